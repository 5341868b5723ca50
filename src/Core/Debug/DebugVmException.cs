namespace Pluggable.Core.Debug;

/// <summary>
/// A broken invariant the consistency checker found: the message starts with <c>DEBUG_VM:</c> and
/// names what broke (the frame and its counts, what was expected and who holds references; or the
/// VMA, the address space, the pool).
/// </summary>
/// Kernel: VM_BUG_ON_PAGE()/VM_BUG_ON_FOLIO()/VM_BUG_ON_VMA()/VM_BUG_ON_MM() with dump_page()/dump_vma()/dump_mm() (mm/debug.c).
public sealed class DebugVmException(string message) : InvalidOperationException("DEBUG_VM: " + message);
