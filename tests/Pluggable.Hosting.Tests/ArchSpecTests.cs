namespace Pluggable.Hosting.Tests;

public class ArchSpecTests
{
    [Fact]
    public void NameAlone_HasNoOptions()
    {
        var spec = ArchSpec.Parse("x86_64");
        Assert.Equal("x86_64", spec.Name);
        Assert.Empty(spec.Options);
    }

    [Fact]
    public void Options_KeepOrderAndSpelling_WhitespaceTrimmed()
    {
        var spec = ArchSpec.Parse(" AMD64 : levels = 5 ,zero=2");
        Assert.Equal("AMD64", spec.Name);
        Assert.Equal([new("levels", "5"), new("zero", "2")], spec.Options);
        Assert.Equal("AMD64:levels=5,zero=2", spec.ToString());
    }

    [Fact]
    public void Default_IsX86_64() => Assert.Equal("x86_64", ArchSpec.DefaultName);

    [Theory]
    [InlineData("", "expected NAME[:option=value,...]")]
    [InlineData("  ", "expected NAME[:option=value,...]")]
    [InlineData(":levels=4", "expected NAME[:option=value,...]")]
    [InlineData("x86_64:", "option '' is not option=value")]
    [InlineData("x86_64:levels", "option 'levels' is not option=value")]
    [InlineData("x86_64:levels=", "option 'levels=' is not option=value")]
    [InlineData("x86_64:=4", "option '=4' is not option=value")]
    [InlineData("x86_64:levels=4,", "option '' is not option=value")]
    [InlineData("x86_64:levels=4,LEVELS=5", "option 'LEVELS' is given twice")]
    public void Malformed_IsRejectedWithTheReason(string text, string reason)
    {
        var e = Assert.Throws<HostingException>(() => ArchSpec.Parse(text));
        Assert.Contains($"bad architecture '{text}'", e.Message);
        Assert.Contains(reason, e.Message);
    }
}
