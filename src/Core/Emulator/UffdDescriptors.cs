using Pluggable.Core.Userfaultfd;

namespace Pluggable.Core.Emulator;

/// <summary>
/// Each process's userfaultfd descriptors. Handles are numbered once for the whole run, as the
/// scenario names them, but a handle means something only in the processes whose table holds it:
/// a fork copies the parent's table (the child shares each open file), a descriptor made later in
/// one process is unknown in the other, and close drops one table's entry and one reference.
/// </summary>
/// Kernel: struct files_struct; dup_fd() from copy_files() (kernel/fork.c), fd_install(), close_fd() (fs/file.c).
internal sealed class UffdDescriptors
{
    private readonly Dictionary<int, Dictionary<int, UffdFile>> _tables = [];
    private readonly List<UffdFile> _files = [];
    private int _nextHandle;

    /// <summary>Installs a new file (one reference, this descriptor's) in the process and returns its handle.</summary>
    public int Install(int process, UffdContext context)
    {
        var file = new UffdFile(context);
        _files.Add(file);
        int handle = ++_nextHandle;
        Table(process)[handle] = file;
        return handle;
    }

    public bool TryGet(int process, int handle, out UffdFile file)
    {
        file = null!;
        return _tables.TryGetValue(process, out var table) && table.TryGetValue(handle, out file!);
    }

    /// <summary>Kernel: close_fd() -> filp_close() -> fput().</summary>
    public bool Close(int process, int handle)
    {
        if (!_tables.TryGetValue(process, out var table) || !table.Remove(handle, out var file))
            return false;
        file.Put();
        if (!file.Open)
            _files.Remove(file);
        return true;
    }

    /// <summary>The child starts with the parent's descriptors, each a new reference to the same file.</summary>
    public void Fork(int parent, int child)
    {
        var copy = new Dictionary<int, UffdFile>();
        if (_tables.TryGetValue(parent, out var table))
        {
            foreach (var (handle, file) in table)
            {
                file.Get();
                copy[handle] = file;
            }
        }
        _tables[child] = copy;
    }

    /// <summary>
    /// <paramref name="process"/> exits (the OOM killer chose it): each of its descriptors is closed,
    /// and a file no other process or running ioctl holds is released.
    /// </summary>
    /// Kernel: do_exit() -> exit_files() -> put_files_struct() -> close_files().
    public void Exit(int process)
    {
        if (!_tables.Remove(process, out var table))
            return;
        foreach (var file in table.Values)
        {
            file.Put();
            if (!file.Open)
                _files.Remove(file);
        }
    }

    /// <summary>
    /// Teardown: every process exits and every thread still inside an ioctl is killed, so each file
    /// that is still open loses its last reference.
    /// </summary>
    public void ReleaseAll()
    {
        _tables.Clear();
        foreach (var file in _files)
        {
            if (file.Open && !file.Context.Released)
                UffdIoctls.Release(file.Context);
        }
        _files.Clear();
    }

    private Dictionary<int, UffdFile> Table(int process)
    {
        if (!_tables.TryGetValue(process, out var table))
            _tables[process] = table = [];
        return table;
    }
}
