/* SPDX-License-Identifier: MIT */
/*
 * `iovm run`: parse options, build the machine (RAM, PC platform devices,
 * PCI), load the kernel, run vCPUs, and wait for the end: guest poweroff or
 * exit status, a fatal error, a signal, or the boot watchdog.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "emul.h"
#include "sriov.h"
#include "vfio.h"
#include "vmm.h"

#define MiB (1024 * 1024ULL)
#define DEFAULT_CMDLINE "console=ttyS0 reboot=acpi panic=-1 quiet"
#define PVM_BOOT_TIMEOUT_S 30
#define MAX_DEVICES 16

struct run_opts {
	const char *kernel, *initrd, *cmdline, *exec_cmd, *console, *stats_file;
	struct vm_config vm;
	bool stats, debug_exit, allow_unsafe_interrupts;
	struct vfio_dev_opts devices[MAX_DEVICES];
	int ndevices;
	long boot_timeout; /* seconds; <0: automatic */
	char kernel_buf[PATH_MAX], initrd_buf[PATH_MAX];
	char *cmdline_buf;
};

static const char run_usage[] =
"usage: iovm run [options]\n"
"Boot a VM. Without --kernel, boots the default guest image (a Debian kernel,\n"
"its vmlinux if present, and a busybox initramfs built by 'make').\n"
"\n"
"  --kernel FILE        Linux bzImage, Linux vmlinux (ELF, entered through PVH)\n"
"                       or multiboot v1 ELF kernel\n"
"  --initrd FILE        initial ramdisk\n"
"  --cmdline STRING     kernel command line (default: '" DEFAULT_CMDLINE "')\n"
"  --exec CMD           run CMD in the default guest, power off, exit with its status\n"
"  --mem SIZE[,hugepages=on]  guest RAM, e.g. 512M, 2G (default 512M)\n"
"  --cpus N             vCPUs (default 1)\n"
"  --numa-node N        bind guest RAM and vCPU threads to host NUMA node N\n"
"                       (default: the node of the first --device, if it has one)\n"
"  --irqchip kernel|split  interrupt controller model (default kernel)\n"
"  --console stdio|file:PATH  where the UART goes (default stdio)\n"
"  --device vfio,host=DDDD:BB:DD.F[,rombar=off]\n"
"                       pass a host PCI function (bound to vfio-pci) through; repeatable\n"
"  --allow-unsafe-interrupts  allow passthrough on a host without interrupt remapping\n"
"  --debug-exit         add QEMU's isa-debug-exit port (0xf4): writing v exits (v<<1)|1\n"
"  --boot-timeout S     fail if the guest prints nothing in S seconds (0: never;\n"
"                       default: 30 on hosts whose KVM cannot boot Linux, else 0)\n"
"  --stats              print exit counters by reason and device at the end\n"
"  --stats-file PATH    write the counters as JSON to PATH\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 on guest poweroff, the --exec or debug-exit status, 1 on a guest\n"
"or KVM error, 2 on bad input, 128+N on signal N.\n";

static int usage_error(const char *fmt, const char *arg, const char *fix)
{
	fprintf(stderr, "iovm run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "%s%s\n", fix ? ": " : "", fix ? fix : "");
	return -EXIT_USAGE;
}

static int parse_one(struct run_opts *o, int opt, const char *arg)
{
	long n;

	switch (opt) {
	case 'k': o->kernel = arg; break;
	case 'i': o->initrd = arg; break;
	case 'c': o->cmdline = arg; break;
	case 'e': o->exec_cmd = arg; break;
	case 'o': o->console = arg; break;
	case 's': o->stats = true; break;
	case 'S': o->stats_file = arg; break;
	case 'd': o->debug_exit = true; break;
	case 'u': o->allow_unsafe_interrupts = true; break;
	case 'D': {
		char err[256];

		if (o->ndevices == MAX_DEVICES)
			return usage_error("more than %s --device options", "16", NULL);
		if (vfio_parse_device_opt(arg, &o->devices[o->ndevices], err, sizeof(err)))
			return usage_error("--device %s", err, NULL);
		for (int i = 0; i < o->ndevices; i++)
			if (!strcmp(o->devices[i].bdf, o->devices[o->ndevices].bdf))
				return usage_error("--device %s is given twice", o->devices[i].bdf, NULL);
		o->ndevices++;
		break;
	}
	case 'm':
		if (parse_mem_option(arg, &o->vm.ram_size, &o->vm.hugepages))
			return usage_error("--mem '%s' is not a size", arg,
					   "use e.g. 512M, 2G or 1G,hugepages=on");
		if (host_mem_total() && o->vm.ram_size > host_mem_total())
			return usage_error("--mem %s is more than this host's memory", arg,
					   "lower it");
		break;
	case 'p':
		if (parse_int(arg, 1, 1024, &n))
			return usage_error("--cpus '%s' is not valid", arg,
					   "give a number from 1 to KVM's maximum");
		o->vm.cpus = n;
		break;
	case 'n':
		if (parse_int(arg, 0, 1023, &n))
			return usage_error("--numa-node '%s' is not a node number", arg, NULL);
		o->vm.numa_node = n;
		break;
	case 'q':
		if (!strcmp(arg, "kernel"))
			o->vm.irqchip = IRQCHIP_KERNEL;
		else if (!strcmp(arg, "split"))
			o->vm.irqchip = IRQCHIP_SPLIT;
		else
			return usage_error("--irqchip '%s' is unknown", arg, "use kernel or split");
		break;
	case 't':
		if (parse_int(arg, 0, 86400, &o->boot_timeout))
			return usage_error("--boot-timeout '%s' is not a number of seconds", arg, NULL);
		break;
	default:
		return -EXIT_USAGE;
	}
	return 0;
}

static int parse_run_opts(struct run_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' },
		{ "cmdline", required_argument, 0, 'c' },
		{ "exec", required_argument, 0, 'e' },
		{ "mem", required_argument, 0, 'm' },
		{ "cpus", required_argument, 0, 'p' },
		{ "numa-node", required_argument, 0, 'n' },
		{ "irqchip", required_argument, 0, 'q' },
		{ "console", required_argument, 0, 'o' },
		{ "debug-exit", no_argument, 0, 'd' },
		{ "device", required_argument, 0, 'D' },
		{ "allow-unsafe-interrupts", no_argument, 0, 'u' },
		{ "boot-timeout", required_argument, 0, 't' },
		{ "stats", no_argument, 0, 's' },
		{ "stats-file", required_argument, 0, 'S' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int opt, ret;

	o->vm = (struct vm_config){ .ram_size = 512 * MiB, .cpus = 1, .numa_node = -1 };
	o->boot_timeout = -1;
	o->console = "stdio";
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(run_usage, stdout);
			return 1;
		}
		if (opt == '?')
			return usage_error("%s", "bad option", "see 'iovm run --help'");
		if ((ret = parse_one(o, opt, optarg)))
			return ret;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind],
				   "see 'iovm run --help'");
	return 0;
}

/* The default guest image: $IOVM_GUEST_DIR, else guest/ beside the binary,
 * else ../share/iovm/guest. */
static int find_default_guest(struct run_opts *o)
{
	const char *env = getenv("IOVM_GUEST_DIR");
	char self[PATH_MAX], dirs[3][PATH_MAX];
	int n = 0;

	if (env)
		snprintf(dirs[n++], PATH_MAX, "%s", env);
	if (self_dir(self, sizeof(self)) == 0) {
		snprintf(dirs[n++], PATH_MAX, "%s/guest", self);
		snprintf(dirs[n++], PATH_MAX, "%s/../share/iovm/guest", self);
	}
	for (int i = 0; i < n * 2; i++) {
		/* The vmlinux first: entered through PVH, it skips the guest's
		 * own decompression, the longest step of a bzImage boot. */
		snprintf(o->kernel_buf, PATH_MAX, "%s/%s", dirs[i / 2],
			 i % 2 ? "bzImage" : "vmlinux");
		snprintf(o->initrd_buf, PATH_MAX, "%s/initrd.img", dirs[i / 2]);
		if (access(o->kernel_buf, R_OK) == 0 && access(o->initrd_buf, R_OK) == 0) {
			o->kernel = o->kernel_buf;
			if (!o->initrd)
				o->initrd = o->initrd_buf;
			return 0;
		}
	}
	fprintf(stderr, "iovm run: no default guest image found (looked in %s): "
		"run 'make' to build it, set IOVM_GUEST_DIR, or pass --kernel\n",
		n ? dirs[n > 1 ? 1 : 0] : "$IOVM_GUEST_DIR");
	return -EXIT_USAGE;
}

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

static void tty_make_raw(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	t = saved_tty;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		tty_raw = true;
		atexit(tty_restore);
	}
}

/* Returns the fd the UART writes to; *input says whether stdin feeds it. */
static int open_console(const struct run_opts *o, bool *input)
{
	*input = false;
	if (!strcmp(o->console, "stdio")) {
		*input = !o->exec_cmd && isatty(STDIN_FILENO);
		return STDOUT_FILENO;
	}
	if (!strncmp(o->console, "file:", 5) && o->console[5]) {
		int fd = open(o->console + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			fprintf(stderr, "iovm run: cannot open console file %s: %s\n",
				o->console + 5, strerror(errno));
		return fd < 0 ? -EXIT_USAGE : fd;
	}
	fprintf(stderr, "iovm run: --console '%s' is unknown: use stdio or file:PATH\n",
		o->console);
	return -EXIT_USAGE;
}

/* The PC platform every guest gets, plus the optional exit ports. */
static int add_platform_devices(struct vm *vm, const struct run_opts *o,
				int console_fd, struct uart **uart)
{
	int ret = 0;

	*uart = uart_create(vm, UART_COM1_PORT, UART_COM1_IRQ, console_fd);
	if (!*uart)
		return -ENOMEM;
	if (vm->cfg.irqchip == IRQCHIP_SPLIT)
		ret = ioapic_create(vm, vm->cfg.cpus);
	if (!ret)
		ret = acpi_pm_create(vm);
	if (!ret)
		ret = rtc_create(vm);
	if (!ret && o->debug_exit)
		ret = exit_port_create(vm, EXIT_PORT_QEMU_DEBUG_PORT, EXIT_PORT_QEMU_DEBUG);
	if (!ret && o->exec_cmd)
		ret = exit_port_create(vm, EXIT_PORT_STATUS_PORT, EXIT_PORT_STATUS);
	return ret;
}

static int load_guest(struct vm *vm, struct run_opts *o)
{
	char err[256];
	uint8_t *extra = NULL;
	ssize_t extra_len = 0;
	struct boot_images img = {
		.kernel_path = o->kernel, .initrd_path = o->initrd, .cmdline = o->cmdline,
	};
	int ret;

	if (o->exec_cmd) {
		size_t cap = strlen(o->exec_cmd) + 1024;
		char *script = malloc(strlen(o->exec_cmd) + 2);

		extra = malloc(cap);
		if (!extra || !script) {
			free(script);
			free(extra);
			return -ENOMEM;
		}
		sprintf(script, "%s\n", o->exec_cmd);
		extra_len = cpio_one_file(extra, cap, "iovm-exec.sh", script,
					  strlen(script), 0755);
		free(script);
		img.initrd_extra = extra;
		img.initrd_extra_len = extra_len > 0 ? extra_len : 0;
	}
	ret = extra_len < 0 ? (int)extra_len : boot_load(vm, &img, err, sizeof(err));
	free(extra);
	if (ret)
		fprintf(stderr, "iovm run: %s: %s\n", o->kernel, err[0] ? err : strerror(-ret));
	return ret;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Console input; Ctrl-A x quits like QEMU's -nographic. */
static void pump_stdin(struct vm *vm, struct uart *u, bool *ctrl_a)
{
	uint8_t buf[256];
	size_t room = uart_input_room(u);
	ssize_t n;

	if (!room)
		return;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	for (ssize_t i = 0; i < n; i++) {
		if (*ctrl_a && buf[i] == 'x') {
			vm_request_end(vm, VM_END_SIGNAL, 0, "quit from the console (Ctrl-A x)");
			return;
		}
		*ctrl_a = buf[i] == 0x01;
		if (!*ctrl_a)
			uart_input(u, &buf[i], 1);
	}
}

static void wait_for_end(struct vm *vm, struct uart *u, int sfd, bool input,
			 double deadline)
{
	bool ctrl_a = false;

	while (!vm_ended(vm)) {
		struct pollfd p[3] = {
			{ .fd = vm->end_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = input ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int timeout = deadline > 0 ? 250 : -1;

		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				vm_request_end(vm, VM_END_SIGNAL, 128 + si.ssi_signo,
					       "stopped by signal %u", si.ssi_signo);
		}
		if (p[2].revents & (POLLIN | POLLHUP))
			pump_stdin(vm, u, &ctrl_a);
		if (deadline > 0 && uart_output_bytes(u) == 0 && now_s() > deadline)
			vm_request_end(vm, VM_END_ERROR, 1,
				       "the guest printed nothing on its console within the boot timeout%s",
				       host_has_hw_virt() ? "" :
				       ": this host's KVM has no hardware virtualization (no vmx/svm in "
				       "/proc/cpuinfo, e.g. KVM on PVM) and runs guest kernel code too "
				       "slowly to boot Linux; boot Linux guests in the lab: iovm lab --run 'iovm run ...'");
	}
}

static double boot_deadline(const struct run_opts *o, const struct vm *vm, double t0)
{
	if (o->boot_timeout > 0)
		return t0 + o->boot_timeout;
	if (o->boot_timeout < 0 && vm->linux_boot && !host_has_hw_virt())
		return t0 + PVM_BOOT_TIMEOUT_S;
	return 0;
}

static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void report_end(struct vm *vm, const struct run_opts *o, double t0)
{
	if (vm->end != VM_END_POWEROFF && vm->end != VM_END_EXIT_CODE)
		fprintf(stderr, "iovm: %s\n", vm->end_reason);
	if (o->stats)
		vm_stats_print(vm, stderr);
	if (o->stats_file)
		vm_stats_write_json(vm, o->stats_file, now_s() - t0);
}

static int add_passthrough(struct vm *vm, const struct run_opts *o, struct vfio_vm **vv)
{
	int ret;

	*vv = NULL;
	if (!o->ndevices)
		return 0;
	ret = vfio_vm_create(vv, vm, o->allow_unsafe_interrupts);
	for (int i = 0; !ret && i < o->ndevices; i++)
		ret = vfio_vm_add_device(*vv, &o->devices[i]);
	return ret;
}

/* Without --numa-node, guest RAM and vCPUs go to the node of the first
 * passthrough device, so its DMA stays local. */
static void default_numa_node(struct run_opts *o)
{
	struct pci_fn f;

	if (o->vm.numa_node < 0 && o->ndevices &&
	    pci_fn_read(o->devices[0].bdf, &f) == 0 && f.numa_node >= 0)
		o->vm.numa_node = f.numa_node;
}

static int run_vm(struct run_opts *o)
{
	struct vm vm;
	struct uart *uart = NULL;
	struct vfio_vm *vv = NULL;
	bool input;
	int console_fd, sfd, ret, status;
	double t0 = now_s();

	console_fd = open_console(o, &input);
	if (console_fd < 0)
		return EXIT_USAGE;
	default_numa_node(o);
	ret = vm_create(&vm, &o->vm);
	if (!ret)
		ret = add_platform_devices(&vm, o, console_fd, &uart);
	if (!ret)
		ret = add_passthrough(&vm, o, &vv);
	if (!ret) {
		double t_load = now_s();

		ret = load_guest(&vm, o);
		vm.load_seconds = now_s() - t_load;
	}
	if (!ret)
		ret = vv ? vfio_vm_start(vv) : 0;
	if (ret) {
		vfio_vm_destroy(vv);
		vm_destroy(&vm);
		return EXIT_USAGE;
	}
	sfd = block_signals();
	if (input)
		tty_make_raw();
	vm.setup_seconds = now_s() - t0;
	ret = vm_start_vcpus(&vm);
	if (ret)
		vm_request_end(&vm, VM_END_ERROR, 1, "cannot start vCPUs: %s", strerror(-ret));
	wait_for_end(&vm, uart, sfd, input, boot_deadline(o, &vm, t0));
	vm_stop_vcpus(&vm);
	tty_restore();
	report_end(&vm, o, t0);
	if (o->stats)
		vfio_vm_print_stats(vv, stderr);
	vfio_vm_destroy(vv);
	status = vm_exit_status(&vm);
	vm_destroy(&vm);
	close(sfd);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	ret = parse_run_opts(&o, argc, argv);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (!o.kernel && find_default_guest(&o))
		return EXIT_USAGE;
	if (!o.cmdline) {
		o.cmdline = o.exec_cmd ? DEFAULT_CMDLINE " loglevel=1" : DEFAULT_CMDLINE;
	}
	return run_vm(&o);
}
