using Pluggable.Core.Emulator;
using Pluggable.Core.Mm;
using Pluggable.Core.Scenarios;
using Pluggable.Core.Userfaultfd;

namespace Pluggable.Conformance.Tests;

/// <summary>
/// The fault, fill and walk paths allocate nothing per page once memory is warm, on every plugin:
/// a plugin's codec or hooks allocating per entry would show up here.
/// </summary>
public class AllocationTests
{
    private const ulong Pages = 1024;

    public static IEnumerable<object[]> Configurations() => PluginMatrix.Configurations.Select(c => new object[] { c.Id });

    [Theory]
    [MemberData(nameof(Configurations))]
    public void A_bulk_copy_allocates_nothing_per_page(string configuration)
    {
        using var backend = Backend(configuration, out ulong page);
        ulong dst = Map(backend, page);
        ulong src = Map(backend, page);
        backend.Fill(0, src, Pages * page, BytePattern.PageIdx);
        backend.UffdCreate(0, new UffdCreateOptions(true, false, false), out int u);
        backend.UffdApi(0, u, 0, UffdUapi.Api);
        backend.Register(0, u, dst, Pages * page, UffdUapi.RegisterModeMissing);
        CopyAndDrop(backend, u, dst, src, page);
        long before = GC.GetAllocatedBytesForCurrentThread();
        CopyAndDrop(backend, u, dst, src, page);
        long perPage = (GC.GetAllocatedBytesForCurrentThread() - before) / (long)Pages;
        Assert.True(perPage < 8, $"{perPage} bytes allocated per copied page on {configuration}");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Anonymous_faults_and_walks_allocate_nothing_per_page(string configuration)
    {
        using var backend = Backend(configuration, out ulong page);
        ulong a = Map(backend, page);
        var mm = backend.System.Mms[0];
        Touch(mm, a, page);
        backend.Madvise(0, a, Pages * page, Advice.DontNeed);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int failed = Touch(mm, a, page);
        failed += Touch(mm, a, page);
        long perPage = (GC.GetAllocatedBytesForCurrentThread() - before) / (long)Pages;
        Assert.Equal(0, failed);
        Assert.True(perPage < 8, $"{perPage} bytes allocated per faulted page on {configuration}");
    }

    private static EmulatorBackend Backend(string configuration, out ulong page)
    {
        var config = ScenarioCases.Configuration(configuration);
        page = config.Architecture.Geometry.PageSize;
        return new EmulatorBackend(config.Architecture, options: PluginMatrix.Checked);
    }

    private static ulong Map(EmulatorBackend backend, ulong page)
    {
        backend.Mmap(0, new MmapRequest(null, Pages * page, false, Protection.Read | Protection.Write, 0, false, 0), out ulong a);
        return a;
    }

    /// <summary>Counts failures instead of asserting per page: Assert.Equal itself allocates.</summary>
    private static int Touch(MmStruct mm, ulong a, ulong page)
    {
        int failed = 0;
        for (ulong i = 0; i < Pages; i++)
        {
            if (UserAccess.Translate(mm, a + i * page, write: true, fromUser: true, 0, out _).Status != FaultStatus.Done)
                failed++;
        }
        return failed;
    }

    private static void CopyAndDrop(EmulatorBackend backend, int u, ulong dst, ulong src, ulong page)
    {
        Assert.Equal((Pages * page).ToString(), backend.Copy(0, u, dst, src, Pages * page, 0).ToString());
        backend.Madvise(0, dst, Pages * page, Advice.DontNeed);
    }
}
