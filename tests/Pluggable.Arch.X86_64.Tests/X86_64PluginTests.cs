using Pluggable.Core.Arch;

namespace Pluggable.Arch.X86_64.Tests;

public sealed class X86_64PluginTests
{
    private readonly X86_64Plugin _plugin = new();

    [Fact]
    public void Names_and_aliases()
    {
        Assert.Equal("x86_64", _plugin.Name);
        Assert.Equal(["x86-64", "amd64", "x86"], _plugin.Aliases);
    }

    [Fact]
    public void Levels_default_to_4_like_the_reference_host()
    {
        var option = Assert.Single(_plugin.Options);
        Assert.Equal("levels=4|5 (default 4): page-table levels: 4 (48-bit VA) or 5 (LA57, 57-bit VA)", option.ToString());
        var arch = (X86_64Architecture)_plugin.Create(new Dictionary<string, string>());
        Assert.Equal(4, arch.PagingLevels);
        Assert.Equal("x86_64 (levels=4)", arch.ToString());
    }

    [Theory]
    [InlineData("4", 48)]
    [InlineData("5", 57)]
    [InlineData(" 5 ", 57)]
    public void Levels_choose_the_paging_mode(string value, int vaBits) =>
        Assert.Equal(vaBits, _plugin.Create(new Dictionary<string, string> { ["levels"] = value }).Geometry.VaBits);

    [Theory]
    [InlineData("3")]
    [InlineData("five")]
    [InlineData("")]
    public void A_bad_levels_value_names_the_allowed_values(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => _plugin.Create(new Dictionary<string, string> { ["levels"] = value }));
        Assert.StartsWith($"x86_64 option levels='{value.Trim()}' is not valid; allowed values: 4, 5", e.Message);
    }

    [Fact]
    public void An_unknown_option_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => _plugin.Create(new Dictionary<string, string> { ["granule"] = "4k" }));
        Assert.Contains("no option 'granule'", e.Message);
    }

    [Fact]
    public void Snapshots_cover_both_paging_modes() =>
        Assert.Equal(["levels=4", "levels=5"], _plugin.SnapshotConfigurations.Select(c => _plugin.Create(c).Configuration));

    [Fact]
    public void Both_modes_pass_start_up_validation()
    {
        ArchitectureValidator.Validate(new X86_64Architecture(4));
        ArchitectureValidator.Validate(new X86_64Architecture(5));
    }
}
