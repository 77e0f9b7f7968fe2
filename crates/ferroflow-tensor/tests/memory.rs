//! Freed tensor memory is kept for the next tensor (`memory.rs`): a large
//! buffer allocated again after its tensor is dropped takes no new page
//! faults. Linux with glibc only (elsewhere the allocator is left alone).

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use ferroflow_tensor::{DType, Tensor};

/// Minor page faults of this process so far (`/proc/self/stat`, field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the parenthesized command name, which may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(7).unwrap().parse().unwrap()
}

#[test]
fn a_freed_buffer_is_reused_without_page_faults() {
    const LEN: usize = 4 << 20; // 16 MiB of f32: 4096 pages
    drop(Tensor::zeros(DType::F32, [1]).unwrap()); // the thresholds are set
    let fill = || Tensor::from_vec(vec![1.5f32; LEN], [LEN]).unwrap();
    drop(fill());
    let before = minor_faults();
    let again = fill();
    let faults = minor_faults() - before;
    assert_eq!(again.to_vec::<f32>().unwrap()[LEN - 1], 1.5);
    // Without fixed thresholds glibc maps the buffer afresh: ~4096 faults.
    assert!(
        faults < 512,
        "{faults} page faults for a reused 16 MiB buffer"
    );
}
