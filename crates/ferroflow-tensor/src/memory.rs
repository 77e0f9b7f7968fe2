//! How freed tensor memory is kept for reuse.
//!
//! A training step frees and allocates the same large buffers every step.
//! glibc's `malloc` adapts its thresholds to the allocations it sees and
//! gives the top of its heap back to the system whenever more than its trim
//! threshold is free there; the next step then pays a page fault and a page
//! clear for every 4 KiB it touches again. Which steps trigger that depends
//! on the order of unrelated allocations: fusing the bias and ReLU into the
//! W3 CNN's convolutions (two fewer buffers per layer) turned 93k page
//! faults per 220-step run into 1.9M, 1,566 `brk` calls, and made the step
//! 20 % slower. So, once per process, before its first tensor, ferroflow
//! sets fixed thresholds, as a training framework's own allocator would:
//! allocations up to [`MMAP_THRESHOLD`] come from the heap, and up to
//! [`TRIM_THRESHOLD`] of free memory stays there for the next step. Peak
//! memory is unchanged; memory freed at the end of training is kept by the
//! process. Other platforms and allocators are left alone.

/// Allocations of at least this many bytes get their own memory mapping
/// (glibc's largest adaptive value).
pub const MMAP_THRESHOLD: usize = 32 << 20;

/// Free memory at the top of a heap beyond this is returned to the system.
pub const TRIM_THRESHOLD: usize = 512 << 20;

/// Applies the thresholds, once per process.
pub(crate) fn keep_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(set_thresholds);
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_thresholds() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: `mallopt` only changes glibc's allocation parameters and is
    // safe to call at any time from any thread; both values fit an `int`.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD as i32);
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD as i32);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_thresholds() {}
