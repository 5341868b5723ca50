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
    public void Defaults_are_4_levels_with_protection_keys_like_the_reference_host()
    {
        Assert.Equal(
        [
            "levels=4|5 (default 4): page-table levels: 4 (48-bit VA) or 5 (LA57, 57-bit VA)",
            "pku=on|off (default on): protection keys: on maps PROT_EXEC alone execute-only (a load is SIGSEGV), off leaves it readable",
        ], _plugin.Options.Select(o => o.ToString()));
        var arch = (X86_64Architecture)_plugin.Create(new Dictionary<string, string>());
        Assert.Equal(4, arch.PagingLevels);
        Assert.True(arch.ProtectionKeys);
        Assert.Equal(ExecOnlyPages.ProtectionKey, arch.Capabilities.ExecOnly);
        Assert.Equal("x86_64 (levels=4,pku=on)", arch.ToString());
    }

    [Fact]
    public void Without_protection_keys_exec_implies_read_and_nothing_writes_a_key()
    {
        var arch = _plugin.Create(new Dictionary<string, string> { ["pku"] = "off" });
        Assert.Equal(ExecOnlyPages.None, arch.Capabilities.ExecOnly);
        Assert.Equal("levels=4,pku=off", arch.Configuration);
        var e = Assert.Throws<ArgumentException>(() => _plugin.Create(new Dictionary<string, string> { ["pku"] = "maybe" }));
        Assert.StartsWith("x86_64 option pku='maybe' is not valid; allowed values: on, off", e.Message);
    }

    [Fact]
    public void An_exec_only_entry_carries_the_execute_only_key_and_refuses_a_load()
    {
        var arch = _plugin.Create(new Dictionary<string, string>());
        var entry = PageEntry.Page(0x1234, EntryFlags.User | EntryFlags.Exec | EntryFlags.Young | EntryFlags.ExecOnly);
        ulong raw = arch.Codec.Encode(PageLevel.Pte, entry);
        Assert.Equal(1UL << 59, raw & (0xfUL << 59));
        Assert.Equal(entry, arch.Codec.Decode(PageLevel.Pte, raw));
        Assert.False(arch.AccessPermitted(entry, write: false));
        Assert.True(arch.AccessPermitted(entry.With(EntryFlags.None, EntryFlags.ExecOnly), write: false));
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
        Assert.Equal(["levels=4,pku=on", "levels=5,pku=on"], _plugin.SnapshotConfigurations.Select(c => _plugin.Create(c).Configuration));

    [Fact]
    public void Both_modes_pass_start_up_validation()
    {
        ArchitectureValidator.Validate(new X86_64Architecture(4));
        ArchitectureValidator.Validate(new X86_64Architecture(5));
    }
}
