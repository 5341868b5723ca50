using System.Text;
using Pluggable.HostKernel.Vm;

namespace Pluggable.HostKernel.Tests;

/// <summary>kernels.conf, the VM backend's list of kernels, and the initramfs it writes.</summary>
public class VmCatalogTests
{
    [Fact]
    public void The_shipped_list_names_every_kernel_the_issue_asks_for()
    {
        var names = VmCatalog.All().Select(s => s.Name).ToArray();
        Assert.Equal(["arm64-6.1", "arm64-6.12", "arm64-6.12-16k", "arm64-6.12-64k", "ppc64el-6.1", "ppc64el-6.12", "ppc64el-6.12-hash", "ppc64el-6.12-64k",
            "ppc64el-6.1-hugepd", "amd64-6.1", "amd64-6.12"], names);
        var hugepd = VmCatalog.Find("ppc64el-6.1-hugepd");
        Assert.Null(hugepd.Package);
        Assert.Equal("build-hugepd-kernel", hugepd.BuildScript);
        Assert.Equal(1UL << 40, hugepd.HugetlbRegion);
        Assert.Equal("powerpc", hugepd.EmulatorArch);
        Assert.Equal("mmu=hash,page=4k", hugepd.EmulatorConfiguration);
        Assert.True(File.Exists(Path.Combine(VmCatalog.Directory, "fetch-kernel")));
        Assert.True(File.Exists(Path.Combine(VmCatalog.Directory, hugepd.BuildScript!)));
    }

    [Fact]
    public void An_unknown_kernel_is_refused_with_the_known_ones()
    {
        var e = Assert.Throws<VmException>(() => VmCatalog.Find("arm64-5.10"));
        Assert.Contains("no VM kernel named 'arm64-5.10'; known: arm64-6.1, arm64-6.12", e.Message);
    }

    [Theory]
    [InlineData("arch = arm64\n", "kernels.conf:1: expected 'key = value' inside a [name] section")]
    [InlineData("[a]\narch = arm64\nbogus = 1\n", "kernels.conf:3: unknown key 'bogus'")]
    [InlineData("[a]\narch = arm64\n", "kernels.conf:1: [a] has no 'package'")]
    [InlineData("[a\n", "kernels.conf:1: expected a section header '[name]'")]
    [InlineData("[a]\narch=arm64\npackage=p\nkernel=6.1\nemulator=arm64\ncross=c\nqemu=q\nconsole=c\nslices=lots\n", "[a] slices = 'lots': expected a size")]
    public void A_malformed_list_names_the_file_and_line(string text, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pluggable-{Guid.NewGuid():N}", "kernels.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        try
        {
            var e = Assert.Throws<VmException>(() => VmCatalog.Parse(path));
            Assert.Contains(message, e.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void The_initramfs_is_a_newc_archive_the_kernel_unpacks()
    {
        var stream = new MemoryStream();
        Cpio.Write(stream, [("init", Encoding.ASCII.GetBytes("#!x"), Convert.ToInt32("100755", 8))]);
        var bytes = stream.ToArray();
        string text = Encoding.ASCII.GetString(bytes);
        Assert.StartsWith("070701", text);
        Assert.Equal(Convert.ToInt32("100755", 8), Convert.ToInt32(text.Substring(14, 8), 16));
        Assert.Equal(3, Convert.ToInt32(text.Substring(54, 8), 16));
        Assert.Equal("init\0", text.Substring(110, 5));
        Assert.Contains("070701", text[116..]);
        Assert.Contains("TRAILER!!!\0", text);
        Assert.Equal(0, bytes.Length % 4);
    }
}
