/*
 * iovm-outb PORT VALUE: write the byte VALUE to I/O port PORT.
 *
 * The default guest reports its exit status to the VMM this way. Kernels
 * built without /dev/port (Debian's cloud kernel) leave busybox no means to
 * do port I/O, so this is built freestanding (no libc) and static, to drop
 * into any initramfs. Numbers are decimal or 0x-prefixed hexadecimal.
 */
#define SYS_write 1
#define SYS_ioperm 173
#define SYS_exit 60
#define SYS_ioctl 16
#define TCSBRK 0x5409 /* with arg 1: tcdrain() */

static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

static void fail(const char *msg)
{
    long len = 0;
    while (msg[len])
        len++;
    sys3(SYS_write, 2, (long)msg, len);
    sys3(SYS_exit, 1, 0, 0);
}

static long parse(const char *s)
{
    long v = 0, base = 10, d;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
            d = (*s | 0x20) - 'a' + 10;
        else
            return -1;
        v = v * base + d;
        if (v > 0xffff)
            return -1;
    }
    return v;
}

static void outb(unsigned short port, unsigned char value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

void cmain(long argc, char **argv)
{
    long port, value;

    if (argc != 3)
        fail("usage: iovm-outb PORT VALUE\n");
    port = parse(argv[1]);
    value = parse(argv[2]);
    if (port < 0 || value < 0 || value > 255)
        fail("iovm-outb: PORT must be 0..0xffff and VALUE 0..255\n");
    if (sys3(SYS_ioperm, port, 1, 1) != 0)
        fail("iovm-outb: ioperm failed (needs root / CAP_SYS_RAWIO)\n");
    /* The port write may end the VM at once: first let the serial driver
     * transmit what the command printed, or its tail is lost. stdout is
     * the console; not a tty (redirected) is fine, the ioctl just fails. */
    sys3(SYS_ioctl, 1, TCSBRK, 1);
    outb((unsigned short)port, (unsigned char)value);
    sys3(SYS_exit, 0, 0, 0);
}

/* The kernel enters here with argc at (%rsp) and argv just above it. */
__asm__(".globl _start\n"
        "_start:\n"
        "    mov (%rsp), %rdi\n"
        "    lea 8(%rsp), %rsi\n"
        "    and $-16, %rsp\n"
        "    call cmain\n"
        "    hlt\n");
