/**
 * What a worker process's environment adds (`drillctl up`, the container image, benchmarks). glibc
 * gives allocating threads malloc arenas of their own, up to eight per core, and memory freed into
 * them is rarely returned: the SDK's native threads (its Rust core, gRPC, libuv) left 930 MiB in
 * 19 arenas of one worker with 100 rollouts in flight, against 185 MiB of V8 heap. Two arenas
 * bound that; the variable must be set before the process starts.
 */
export const WORKER_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' } as const;
