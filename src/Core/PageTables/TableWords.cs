using System.Buffers.Binary;

namespace Pluggable.Core.PageTables;

/// <summary>
/// The raw words of one page table, located once: the loops that go over every entry of a table
/// (zap, the zero-page run) read and write through it instead of finding the frame per entry.
/// Nothing is traced here; a loop that is being traced uses <see cref="PageTable"/>'s methods.
/// </summary>
/// Kernel: the pte_t* a pte_offset_map_lock() hands to zap_pte_range() and set_ptes().
public readonly unsafe ref struct TableWords
{
    private readonly byte* _base;
    private readonly int _entryBytes;
    private readonly int _copies;
    private readonly bool _bigEndian;

    /// <param name="copies">Words per entry, all alike (<see cref="Arch.PageGeometry.PteCopies"/>): a read takes the first, a write stores each.</param>
    internal TableWords(byte* tableBase, int entryBytes, int copies, bool bigEndian)
    {
        _base = tableBase;
        _entryBytes = entryBytes;
        _copies = copies;
        _bigEndian = bigEndian;
    }

    public ulong Read(int index)
    {
        byte* p = _base + (long)index * _entryBytes * _copies;
        if (_entryBytes == 8)
            return _bigEndian ? BinaryPrimitives.ReverseEndianness(*(ulong*)p) : *(ulong*)p;
        uint w = *(uint*)p;
        return _bigEndian ? BinaryPrimitives.ReverseEndianness(w) : w;
    }

    public void Write(int index, ulong raw)
    {
        byte* p = _base + (long)index * _entryBytes * _copies;
        for (int copy = 0; copy < _copies; copy++, p += _entryBytes)
        {
            if (_entryBytes == 8)
                *(ulong*)p = _bigEndian ? BinaryPrimitives.ReverseEndianness(raw) : raw;
            else
                *(uint*)p = _bigEndian ? BinaryPrimitives.ReverseEndianness((uint)raw) : (uint)raw;
        }
    }
}
