using Pluggable.Core.Physical;

namespace Pluggable.Core.Mm;

/// <summary>
/// A file's pages by offset: a radix tree of 64-slot nodes, grown in height as offsets need it and
/// pruned as pages leave, so it holds what is cached whatever the file's size, a lookup or insert
/// costs the tree's height, and a range is walked through the nodes that exist. Its nodes are
/// kernel memory, charged to the machine as the xarray's are.
/// </summary>
/// Kernel: struct address_space's xarray (lib/xarray.c, struct xa_node of 64 slots).
public sealed class PageCache
{
    private const int Shift = 6;
    private const int Fanout = 1 << Shift;
    private const ulong SlotMask = Fanout - 1;

    /// <summary>Kernel: the object size of the radix_tree_node slab on the CI machine.</summary>
    public const int NodeBytes = 576;

    private readonly PhysicalMemory _memory;
    private Node? _root;

    /// <summary>Levels below the root: the root's slots each cover 64^<see cref="_height"/> offsets.</summary>
    private int _height;

    public PageCache(PhysicalMemory memory) => _memory = memory;

    /// <summary>Pages cached.</summary>
    public long Count { get; private set; }

    /// <summary>The frame at <paramref name="index"/>, or 0 for a hole.</summary>
    public ulong Lookup(ulong index)
    {
        var node = _root;
        if (node is null || !Covers(index, _height))
            return 0;
        for (int level = _height; level > 0; level--)
        {
            node = node.Children![Slot(index, level)];
            if (node is null)
                return 0;
        }
        return node.Pfns![index & SlotMask];
    }

    /// <summary>Puts <paramref name="pfn"/> at <paramref name="index"/>; 0 makes a hole there.</summary>
    public void Store(ulong index, ulong pfn)
    {
        if (pfn == 0)
        {
            Remove(index);
            return;
        }
        if (_root is null)
        {
            _height = 0;
            while (!Covers(index, _height))
                _height++;
            _root = NewNode(leaf: _height == 0);
        }
        while (!Covers(index, _height))
        {
            var grown = NewNode(leaf: false);
            grown.Children![0] = _root;
            grown.Used = 1;
            _root = grown;
            _height++;
        }
        var node = _root;
        for (int level = _height; level > 0; level--)
        {
            int slot = Slot(index, level);
            var child = node.Children![slot];
            if (child is null)
            {
                child = NewNode(leaf: level == 1);
                node.Children[slot] = child;
                node.Used++;
            }
            node = child;
        }
        ref ulong entry = ref node.Pfns![index & SlotMask];
        if (entry == 0)
        {
            node.Used++;
            Count++;
        }
        entry = pfn;
    }

    /// <summary>Every (index, pfn) present, in index order.</summary>
    public IEnumerable<(ulong Index, ulong Pfn)> Entries() => EntriesIn(0, ulong.MaxValue);

    /// <summary>The (index, pfn) present in [first, last), in index order, visiting only nodes that exist.</summary>
    public IEnumerable<(ulong Index, ulong Pfn)> EntriesIn(ulong first, ulong last)
    {
        if (_root is null || first >= last)
            yield break;
        var stack = new Stack<(Node Node, int Level, ulong Base)>();
        stack.Push((_root, _height, 0));
        while (stack.Count > 0)
        {
            var (node, level, baseIndex) = stack.Pop();
            if (level == 0)
            {
                for (int i = 0; i < Fanout; i++)
                {
                    ulong index = baseIndex + (ulong)i;
                    if (node.Pfns![i] != 0 && index >= first && index < last)
                        yield return (index, node.Pfns[i]);
                }
                continue;
            }
            int shift = Shift * level;
            for (int i = Fanout - 1; i >= 0; i--)
            {
                ulong childBase = baseIndex + ((ulong)i << shift);
                ulong childLast = childBase + ((1UL << shift) - 1);
                if (node.Children![i] is { } child && childLast >= first && childBase < last)
                    stack.Push((child, level - 1, childBase));
            }
        }
    }

    private void Remove(ulong index)
    {
        if (_root is null || !Covers(index, _height))
            return;
        var path = new Node[_height + 1];
        var node = _root;
        for (int level = _height; level > 0; level--)
        {
            path[level] = node;
            node = node.Children![Slot(index, level)];
            if (node is null)
                return;
        }
        ref ulong entry = ref node.Pfns![index & SlotMask];
        if (entry == 0)
            return;
        entry = 0;
        Count--;
        if (--node.Used > 0)
            return;
        Release();
        for (int level = 1; level <= _height; level++)
        {
            var parent = path[level];
            parent.Children![Slot(index, level)] = null;
            if (--parent.Used > 0)
                return;
            Release();
        }
        _root = null;
        _height = 0;
    }

    private static bool Covers(ulong index, int height) => Shift * (height + 1) >= 64 || index >> (Shift * (height + 1)) == 0;

    private static int Slot(ulong index, int level) => (int)((index >> (Shift * level)) & SlotMask);

    private Node NewNode(bool leaf)
    {
        _memory.ChargeKernel(NodeBytes);
        return leaf ? new Node { Pfns = new ulong[Fanout] } : new Node { Children = new Node?[Fanout] };
    }

    private void Release() => _memory.UnchargeKernel(NodeBytes);

    /// <summary>An interior node (children) or a leaf (frames), with the count of its used slots.</summary>
    private sealed class Node
    {
        public Node?[]? Children;
        public ulong[]? Pfns;
        public int Used;
    }
}
