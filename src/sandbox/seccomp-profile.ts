/**
 * Airlock's own seccomp profile, applied to every sandbox container on every engine.
 *
 * Why our own: the engine's default profile is whatever the runner's engine shipped.
 * The one on these machines (Docker 20.10) predates the io_uring block, so a script could
 * reach io_uring_setup; and `--network none` does not stop `socket(AF_VSOCK)`, which
 * reaches the hypervisor host's vsock ports. An allowlist we ship closes both on any
 * engine version.
 *
 * Shape: an allowlist (default EPERM) of what a Python analysis script and its native
 * libraries (numpy, pandas, matplotlib, Chromium for Mermaid) use. It follows the
 * syscalls Docker's default profile allows without capabilities, minus:
 * - io_uring_setup/enter/register (a large, frequently exploited kernel surface),
 * - memfd_secret, userfaultfd (used to win kernel races), perf_event_open, bpf,
 *   keyctl/add_key/request_key (kernel keyrings are not namespaced),
 * - socket address families other than UNIX, INET, INET6 and NETLINK (no VSOCK,
 *   PACKET, ALG, BLUETOOTH, …): those meet the default EPERM,
 * - clone with namespace flags and unshare (a script has no use for namespaces),
 * - the 32-bit and x32 ABIs (only the native architecture is listed, so a syscall made
 *   through int 0x80 or the x32 bit meets the default action: that is how a filter on
 *   `socket` cannot be bypassed through `socketcall`).
 * Capability-gated syscalls (mount, ptrace, …) are absent because the sandbox holds no
 * capabilities anyway.
 *
 * Under gVisor (runsc) the script's syscalls go to gVisor's Sentry, which implements its
 * own smaller surface; runsc applies an OCI seccomp profile only with `--oci-seccomp`.
 */

const EPERM = 1;
const ENOSYS = 38;

/** Address families a script may open: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK. */
export const ALLOWED_SOCKET_FAMILIES: readonly number[] = [1, 2, 10, 16];

/** clone(2) flags that create namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** Syscalls denied on purpose, beyond what the allowlist omits; each has a test. */
export const DENIED_SYSCALLS: readonly string[] = [
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'memfd_secret',
  'userfaultfd',
  'perf_event_open',
  'bpf',
  'keyctl',
  'add_key',
  'request_key',
  'unshare',
  'setns',
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
];

const ALLOWED: readonly string[] = [
  'accept',
  'accept4',
  'access',
  'adjtimex',
  'alarm',
  'bind',
  'brk',
  'cachestat',
  'capget',
  'capset',
  'chdir',
  'chmod',
  'chown',
  'clock_adjtime',
  'clock_getres',
  'clock_gettime',
  'clock_nanosleep',
  'close',
  'close_range',
  'connect',
  'copy_file_range',
  'creat',
  'dup',
  'dup2',
  'dup3',
  'epoll_create',
  'epoll_create1',
  'epoll_ctl',
  'epoll_pwait',
  'epoll_pwait2',
  'epoll_wait',
  'eventfd',
  'eventfd2',
  'execve',
  'execveat',
  'exit',
  'exit_group',
  'faccessat',
  'faccessat2',
  'fadvise64',
  'fallocate',
  'fchdir',
  'fchmod',
  'fchmodat',
  'fchmodat2',
  'fchown',
  'fchownat',
  'fcntl',
  'fdatasync',
  'fgetxattr',
  'flistxattr',
  'flock',
  'fork',
  'fremovexattr',
  'fsetxattr',
  'fstat',
  'fstatfs',
  'fsync',
  'ftruncate',
  'futex',
  'futex_requeue',
  'futex_wait',
  'futex_waitv',
  'futex_wake',
  'futimesat',
  'get_mempolicy',
  'get_robust_list',
  'getcpu',
  'getcwd',
  'getdents',
  'getdents64',
  'getegid',
  'geteuid',
  'getgid',
  'getgroups',
  'getitimer',
  'getpeername',
  'getpgid',
  'getpgrp',
  'getpid',
  'getppid',
  'getpriority',
  'getrandom',
  'getresgid',
  'getresuid',
  'getrlimit',
  'getrusage',
  'getsid',
  'getsockname',
  'getsockopt',
  'gettid',
  'gettimeofday',
  'getuid',
  'getxattr',
  'inotify_add_watch',
  'inotify_init',
  'inotify_init1',
  'inotify_rm_watch',
  'io_cancel',
  'io_destroy',
  'io_getevents',
  'io_pgetevents',
  'io_setup',
  'io_submit',
  'ioctl',
  'ioprio_get',
  'ioprio_set',
  'kill',
  'landlock_add_rule',
  'landlock_create_ruleset',
  'landlock_restrict_self',
  'lchown',
  'lgetxattr',
  'link',
  'linkat',
  'listen',
  'listxattr',
  'llistxattr',
  'lremovexattr',
  'lseek',
  'lsetxattr',
  'lstat',
  'madvise',
  'map_shadow_stack',
  'mbind',
  'membarrier',
  'memfd_create',
  'mincore',
  'mkdir',
  'mkdirat',
  'mknod',
  'mknodat',
  'mlock',
  'mlock2',
  'mlockall',
  'mmap',
  'mprotect',
  'mq_getsetattr',
  'mq_notify',
  'mq_open',
  'mq_timedreceive',
  'mq_timedsend',
  'mq_unlink',
  'mremap',
  'msgctl',
  'msgget',
  'msgrcv',
  'msgsnd',
  'msync',
  'munlock',
  'munlockall',
  'munmap',
  'name_to_handle_at',
  'nanosleep',
  'newfstatat',
  'open',
  'openat',
  'openat2',
  'pause',
  'pidfd_open',
  'pidfd_send_signal',
  'pipe',
  'pipe2',
  'pkey_alloc',
  'pkey_free',
  'pkey_mprotect',
  'poll',
  'ppoll',
  'prctl',
  'pread64',
  'preadv',
  'preadv2',
  'prlimit64',
  'process_mrelease',
  'pselect6',
  'pwrite64',
  'pwritev',
  'pwritev2',
  'read',
  'readahead',
  'readlink',
  'readlinkat',
  'readv',
  'recvfrom',
  'recvmmsg',
  'recvmsg',
  'remap_file_pages',
  'removexattr',
  'rename',
  'renameat',
  'renameat2',
  'restart_syscall',
  'rmdir',
  'rseq',
  'rt_sigaction',
  'rt_sigpending',
  'rt_sigprocmask',
  'rt_sigqueueinfo',
  'rt_sigreturn',
  'rt_sigsuspend',
  'rt_sigtimedwait',
  'rt_tgsigqueueinfo',
  'sched_get_priority_max',
  'sched_get_priority_min',
  'sched_getaffinity',
  'sched_getattr',
  'sched_getparam',
  'sched_getscheduler',
  'sched_rr_get_interval',
  'sched_setaffinity',
  'sched_setattr',
  'sched_setparam',
  'sched_setscheduler',
  'sched_yield',
  'seccomp',
  'select',
  'semctl',
  'semget',
  'semop',
  'semtimedop',
  'sendfile',
  'sendmmsg',
  'sendmsg',
  'sendto',
  'set_mempolicy',
  'set_robust_list',
  'set_tid_address',
  'setfsgid',
  'setfsuid',
  'setgid',
  'setgroups',
  'setitimer',
  'setpgid',
  'setpriority',
  'setregid',
  'setresgid',
  'setresuid',
  'setreuid',
  'setrlimit',
  'setsid',
  'setsockopt',
  'setuid',
  'setxattr',
  'shmat',
  'shmctl',
  'shmdt',
  'shmget',
  'shutdown',
  'sigaltstack',
  'signalfd',
  'signalfd4',
  'socketpair',
  'splice',
  'stat',
  'statfs',
  'statx',
  'symlink',
  'symlinkat',
  'sync',
  'sync_file_range',
  'syncfs',
  'sysinfo',
  'tee',
  'tgkill',
  'time',
  'timer_create',
  'timer_delete',
  'timer_getoverrun',
  'timer_gettime',
  'timer_settime',
  'timerfd_create',
  'timerfd_gettime',
  'timerfd_settime',
  'times',
  'tkill',
  'truncate',
  'umask',
  'uname',
  'unlink',
  'unlinkat',
  'utime',
  'utimensat',
  'utimes',
  'vfork',
  'vmsplice',
  'wait4',
  'waitid',
  'write',
  'writev',
];

/** Only on x86_64 (arch_prctl sets the TLS base; modify_ldt is used by some JITs). */
const ALLOWED_AMD64: readonly string[] = ['arch_prctl', 'modify_ldt'];

interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_EQ' | 'SCMP_CMP_MASKED_EQ' | 'SCMP_CMP_NE';
}

interface SeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: SeccompArg[];
  includes?: { arches?: string[] };
}

/** The OCI/Docker seccomp JSON format (what `--security-opt seccomp=` takes). */
export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  archMap: { architecture: string; subArchitectures: string[] }[];
  syscalls: SeccompRule[];
}

function buildProfile(): SeccompProfile {
  const denied = new Set(DENIED_SYSCALLS);
  const leaked = ALLOWED.filter((name) => denied.has(name));
  if (leaked.length > 0) throw new Error(`seccomp: denied syscalls on the allowlist: ${leaked}`);
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    // Native architectures only: no SCMP_ARCH_X86/X32 or ARM sub-architectures.
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: [] },
    ],
    syscalls: [
      { names: [...ALLOWED], action: 'SCMP_ACT_ALLOW' },
      { names: [...ALLOWED_AMD64], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      // One rule per family: the rules of one entry are ANDed, separate entries ORed.
      ...ALLOWED_SOCKET_FAMILIES.map(
        (family): SeccompRule => ({
          names: ['socket'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: family, op: 'SCMP_CMP_EQ' }],
        }),
      ),
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // clone3 passes its flags in a struct seccomp cannot read: ENOSYS makes glibc fall
      // back to clone, which the rule above checks.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      // io_uring answered as absent, so libraries that probe it fall back to plain I/O.
      {
        names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: ENOSYS,
      },
      // The personality values Docker allows: Linux, with ADDR_NO_RANDOMIZE off or on
      // (0x0040000 is not among them), and the query value.
      ...[0, 8, 0x20000, 0x20008, 0xffffffff].map(
        (value): SeccompRule => ({
          names: ['personality'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
        }),
      ),
    ],
  };
}

export const AIRLOCK_SECCOMP_PROFILE: SeccompProfile = buildProfile();

/** The profile as the engine API takes it: `SecurityOpt: ["seccomp=<json>"]`. */
export function seccompSecurityOpt(): string {
  return `seccomp=${JSON.stringify(AIRLOCK_SECCOMP_PROFILE)}`;
}
