using Pluggable.Core.Userfaultfd;

namespace Pluggable.Scenarios.Tests;

public class ValueScannerTests
{
    private static Token T(string text) => new(text, 1, 1);

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("4096", 4096UL)]
    [InlineData("0x1000", 0x1000UL)]
    [InlineData("0XfF", 0xffUL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    public void Numbers_are_decimal_or_hex(string text, ulong value)
    {
        Assert.True(ValueScanner.TryNumber(text, out ulong got));
        Assert.Equal(value, got);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("0x")]
    [InlineData("0x1g")]
    [InlineData("12a")]
    [InlineData("18446744073709551616")]
    [InlineData("0x10000000000000000")]
    public void Bad_numbers_are_refused(string text) => Assert.False(ValueScanner.TryNumber(text, out _));

    [Theory]
    [InlineData("4096", 4096UL, 4096UL)]
    [InlineData("0x1000", 0x1000UL, 0x1000UL)]
    [InlineData("4k", 4096UL, 4096UL)]
    [InlineData("2m", 2UL << 20, 2UL << 20)]
    [InlineData("1g", 1UL << 30, 1UL << 30)]
    [InlineData("16p", 16 * 4096UL, 16 * 65536UL)]
    [InlineData("0x10p", 16 * 4096UL, 16 * 65536UL)]
    [InlineData("1hp", 2UL << 20, 512UL << 20)]
    [InlineData("3hp", 6UL << 20, 1536UL << 20)]
    public void Sizes_resolve_with_the_architecture(string text, ulong x86, ulong arm64)
    {
        var size = ValueScanner.Size(T(text));
        Assert.Equal(text, size.Text);
        Assert.Equal(x86, size.Resolve(FakeBackend.X86));
        Assert.Equal(arm64, size.Resolve(FakeBackend.Arm64K64));
    }

    [Fact]
    public void Size_units_stay_symbolic()
    {
        Assert.Equal(new SizeExpr(1, SizeUnit.HugePages, "1hp"), ValueScanner.Size(T("1hp")));
        Assert.Equal(new SizeExpr(3, SizeUnit.Pages, "3p"), ValueScanner.Size(T("3p")));
        Assert.Equal(new SizeExpr(2, SizeUnit.Mib, "2m"), ValueScanner.Size(T("2m")));
    }

    [Fact]
    public void A_size_too_large_for_the_architecture_is_a_script_error()
    {
        var size = ValueScanner.Size(T("0xffffffffffffffffp"));
        var e = Assert.Throws<ScriptErrorException>(() => size.Resolve(FakeBackend.X86));
        Assert.Equal("size '0xffffffffffffffffp' is too large", e.Message);
    }

    [Theory]
    [InlineData("2M")]
    [InlineData("p")]
    [InlineData("1t")]
    [InlineData("1 p")]
    [InlineData("hp")]
    public void Bad_sizes_are_refused(string text) => Assert.Throws<ParseErrorException>(() => ValueScanner.Size(T(text)));

    [Fact]
    public void Addresses_are_a_label_plus_size_offsets()
    {
        var plain = ValueScanner.Address(T("a"));
        Assert.Equal("a", plain.Label);
        Assert.Empty(plain.Offsets);

        var address = ValueScanner.Address(T("buf_2+1hp+2p+0x10"));
        Assert.Equal("buf_2", address.Label);
        Assert.Equal(
            [new SizeExpr(1, SizeUnit.HugePages, "1hp"), new SizeExpr(2, SizeUnit.Pages, "2p"), new SizeExpr(0x10, SizeUnit.Bytes, "0x10")],
            address.Offsets);
        Assert.Equal((2UL << 20) + 0x2010, address.ResolveOffset(FakeBackend.X86));
    }

    [Theory]
    [InlineData("1a")]
    [InlineData("a+")]
    [InlineData("+1p")]
    [InlineData("a++1p")]
    [InlineData("a-1p")]
    [InlineData("u@c")]
    public void Bad_addresses_are_refused(string text) => Assert.Throws<ParseErrorException>(() => ValueScanner.Address(T(text)));

    [Fact]
    public void Bytes_are_numbers_up_to_0xff_or_pageidx()
    {
        Assert.Equal(BytePattern.Constant(0x5a), ValueScanner.Byte(T("0x5a")));
        Assert.Equal(BytePattern.Constant(0), ValueScanner.Byte(T("0x00")));
        Assert.Equal(BytePattern.PageIdx, ValueScanner.Byte(T("pageidx")));
        Assert.Throws<ParseErrorException>(() => ValueScanner.Byte(T("0x100")));
        Assert.Equal((byte)1, BytePattern.PageIdx.At(0));
        Assert.Equal((byte)0, BytePattern.PageIdx.At(255));
    }

    [Fact]
    public void Names_and_userfaultfd_names()
    {
        Assert.True(ValueScanner.IsName("_a9", allowAt: false));
        Assert.False(ValueScanner.IsName("9a", allowAt: false));
        Assert.False(ValueScanner.IsName("u@c", allowAt: false));
        Assert.True(ValueScanner.IsName("u@c@d", allowAt: true));
        Assert.False(ValueScanner.IsName("@u", allowAt: true));
        Assert.False(ValueScanner.IsName("a-b", allowAt: true));
    }

    [Fact]
    public void Features_are_names_or_raw_numbers()
    {
        Assert.Equal(UffdUapi.FeatureMove | 0x40000, ValueScanner.Features(T("move,0x40000")));
        Assert.Equal(0x8000000000000000UL, ValueScanner.Features(T("0x8000000000000000")));
        Assert.Equal(UffdUapi.FeatureEventFork | UffdUapi.FeaturePagefaultFlagWp, ValueScanner.Features(T("event_fork,pagefault_flag_wp")));
        for (int bit = 0; bit < UffdUapi.FeatureNames.Length; bit++)
            Assert.Equal(1UL << bit, ValueScanner.Features(T(UffdUapi.FeatureNames[bit])));
    }

    [Fact]
    public void Register_modes_are_a_comma_list()
    {
        Assert.Equal(UffdUapi.RegisterModeMissing | UffdUapi.RegisterModeWp, ValueScanner.RegisterModes(T("missing,wp")));
        Assert.Equal(UffdUapi.RegisterModeMinor, ValueScanner.RegisterModes(T("minor")));
        Assert.Equal(0UL, ValueScanner.RegisterModes(T("none")));
        Assert.Throws<ParseErrorException>(() => ValueScanner.RegisterModes(T("missing,")));
    }
}
