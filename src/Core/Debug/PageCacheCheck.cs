using Pluggable.Core.Mm;
using Pluggable.Core.Physical;

namespace Pluggable.Core.Debug;

/// <summary>
/// The memory files: each live file is referenced exactly by its open descriptors and the VMAs
/// mapping it; each page in its cache is a page-cache page of that file at that index, and counts
/// one reference on its folio. A hugetlb file's cache holds whole huge pages by huge-page index.
/// </summary>
/// Kernel: the page->mapping/index and refcount rules of filemap_add_folio() (mm/filemap.c), iput() of the inode.
internal static class PageCacheCheck
{
    public static void Count(MemorySystem system, ReferenceCensus census)
    {
        var files = system.Files;
        for (int f = 0; f < files.Count; f++)
        {
            var file = files[f];
            foreach (var (index, pfn) in file.Cache.Entries())
            {
                if (!system.Memory.IsValid(pfn))
                    throw new DebugVmException($"page cache of file '{file.Name}' holds 0x{pfn:x} at index {index}, which is no frame");
                ref var d = ref system.Memory[pfn];
                if ((d.Flags & PageFlags.PageCache) == 0 || d.Owner != file.Id || d.Index != index)
                    throw new DebugVmException(
                        $"page cache of file '{file.Name}' holds pfn 0x{pfn:x} at index {index}, but the page says cache={(d.Flags & PageFlags.PageCache) != 0} file id {d.Owner} (this one is {file.Id}) index {d.Index}");
                if (file.Hugetlb != ((system.Memory[system.Memory.HeadOf(pfn)].Flags & PageFlags.Hugetlb) != 0))
                    throw new DebugVmException($"page cache of file '{file.Name}' (hugetlb={file.Hugetlb}) holds pfn 0x{pfn:x} of the other kind");
                census.CacheEntry(pfn, new Holder(HolderKind.PageCache, file.Id, index, file.Name));
            }
        }
    }

    /// <summary>Run after every VMA and descriptor was counted.</summary>
    public static void CheckReferences(MemorySystem system, ReferenceCensus census)
    {
        var files = system.Files;
        for (int f = 0; f < files.Count; f++)
        {
            var file = files[f];
            int expected = census.FileReferences(file);
            if (file.References != expected)
                throw new DebugVmException($"file '{file.Name}' has {file.References} references, but {expected} descriptors and mappings hold it");
        }
    }
}
