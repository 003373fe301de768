/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * PMM: Physical Memory Management, the user-space interface of /dev/pmm.
 *
 * See Documentation/userspace-api/pmm.rst.
 */
#ifndef _UAPI_LINUX_PMM_H
#define _UAPI_LINUX_PMM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: PMM ioctls
 *
 * /dev/pmm allocates blocks of physically contiguous memory from the memory
 * types the kernel reserved at boot, and hands each block to user space as a
 * dma-buf file descriptor.
 *
 * Every ioctl takes one structure. The size of the structure is encoded in
 * the ioctl number, and the kernel accepts other sizes than its own:
 *
 * - a smaller structure (from older headers) is extended with zeroes, and
 *   only the fields it holds are written back. It must hold at least the
 *   fields up to the ``PMM_*_SIZE_VER0`` offset given for each ioctl.
 * - a larger structure (from newer headers) is accepted if every byte past
 *   the end of the kernel's structure is zero: the kernel never ignores a
 *   request it does not understand. The bytes past the end are not written
 *   back.
 *
 * Fields marked "must be 0" (flags and reserved fields) must be zero, and
 * so must any flag not defined here.
 *
 * Who may do what: a process that can open /dev/pmm for reading may list
 * the memory types and describe blocks (%PMM_IOCTL_TYPE_INFO,
 * %PMM_IOCTL_BLOCK_INFO); the ioctls that take memory from the reserve
 * every device user shares need /dev/pmm open for writing. The node's mode
 * and group, set by udev rules, are the policy.
 *
 * Errors (besides %EFAULT for a bad pointer and %ENOTTY for an unknown
 * ioctl). A caller acts differently on each of these; everything that is
 * wrong with the request itself is %EINVAL:
 *
 * ============ ============================================================
 * ``EACCES``   /dev/pmm is not open for writing, for an ioctl that takes
 *              memory (``PMM_IOCTL_ALLOC``)
 * ``EINVAL``   the request is malformed: a structure smaller than
 *              ``PMM_*_SIZE_VER0``, non-zero bytes past the kernel's
 *              structure, an unknown flag, a non-zero reserved field;
 *              ``PMM_IOCTL_ALLOC``: a size of 0 or one that overflows when
 *              rounded up to pages, an alignment that is not 0 or a power
 *              of two from the page size to the page size <<
 *              ``PMM_MAX_ALIGN_SHIFT``, fd_flags other than ``O_CLOEXEC``
 *              and one access mode
 * ``ENOENT``   ``PMM_IOCTL_ALLOC``: the type mask names a type that does not
 *              exist, or there is no type at all; ``PMM_IOCTL_TYPE_INFO``:
 *              no type of that id (the end of the list)
 * ``ENOMEM``   ``PMM_IOCTL_ALLOC``: no acceptable type has room for the
 *              block now
 * ``EMFILE``   ``PMM_IOCTL_ALLOC``: no free file descriptor
 * ``EINTR``    ``PMM_IOCTL_ALLOC``: a fatal signal arrived while the block
 *              was being zeroed; nothing was allocated (the caller dies)
 * ``EBADF``    ``PMM_IOCTL_BLOCK_INFO``: the file descriptor in the request
 *              is not open
 * ``ENODEV``   ``PMM_IOCTL_BLOCK_INFO``: the file descriptor is not a PMM
 *              dma-buf
 * ============ ============================================================
 *
 * When a request has several faults, EACCES (how /dev/pmm was opened) is
 * reported first, then EINVAL (the request itself), then the errors about
 * the system's state (ENOENT, ENOMEM, EMFILE).
 */

/* Longest memory type name, with its terminating NUL. */
#define PMM_TYPE_NAME_LEN	16

/*
 * Largest alignment %PMM_IOCTL_ALLOC accepts: the page size shifted left by
 * this much (16 MiB with 4 KiB pages).
 */
#define PMM_MAX_ALIGN_SHIFT	12

/**
 * struct pmm_alloc_data - argument of %PMM_IOCTL_ALLOC
 * @size: in: the size of the block in bytes; out: the size allocated, @size
 *	rounded up to a whole number of pages.
 * @fd: out: the new dma-buf file descriptor, holding the block.
 * @fd_flags: in: flags of the new file descriptor: %O_CLOEXEC and one
 *	access mode, %O_RDONLY (0), %O_WRONLY or %O_RDWR. The access mode
 *	limits the protections an mmap() of the file descriptor may ask for.
 * @align: in: the alignment of the block's physical address in bytes: 0
 *	for the page size, else a power of two from the page size up to
 *	the page size << %PMM_MAX_ALIGN_SHIFT.
 * @type_mask: in: the acceptable memory types, bit i for the type of id i,
 *	or 0 for every type. The types are tried in id order.
 * @flags: in: allocation flags; none is defined yet: must be 0.
 *
 * The block is always zeroed before it is handed to user space.
 */
struct pmm_alloc_data {
	__u64 size;
	__u32 fd;
	__u32 fd_flags;
	__u64 align;
	__u32 type_mask;
	__u32 flags;
};

#define PMM_ALLOC_SIZE_VER0	32

/**
 * struct pmm_type_info - argument of %PMM_IOCTL_TYPE_INFO
 * @id: in: the id of the memory type, from 0 to the number of types - 1.
 * @flags: in: must be 0.
 * @name: out: the type's name, NUL-terminated.
 * @total_bytes: out: the memory reserved for the type (0 if no region of
 *	the type could be reserved at boot).
 * @free_bytes: out: the part of it not allocated.
 * @largest_free_bytes: out: the largest block the type could allocate now
 *	(with the page alignment).
 *
 * The byte counts are a consistent snapshot: @largest_free_bytes <=
 * @free_bytes <= @total_bytes.
 */
struct pmm_type_info {
	__u32 id;
	__u32 flags;
	char name[PMM_TYPE_NAME_LEN];
	__u64 total_bytes;
	__u64 free_bytes;
	__u64 largest_free_bytes;
};

#define PMM_TYPE_INFO_SIZE_VER0	48

/**
 * struct pmm_block_info - argument of %PMM_IOCTL_BLOCK_INFO
 * @fd: in: a dma-buf file descriptor that /dev/pmm or a PMM dma-heap
 *	returned (or a duplicate of one, or one received from another
 *	process).
 * @flags: in: must be 0.
 * @size: out: the size of the block in bytes.
 * @type_id: out: the id of the memory type the block came from.
 * @reserved: must be 0.
 *
 * The block's physical address is never reported.
 */
struct pmm_block_info {
	__u32 fd;
	__u32 flags;
	__u64 size;
	__u32 type_id;
	__u32 reserved;
};

#define PMM_BLOCK_INFO_SIZE_VER0	24

/**
 * struct pmm_shmget_data - argument of %PMM_IOCTL_SHMGET
 * @fd: in: a PMM dma-buf file descriptor, open for reading and writing.
 * @key: in: %IPC_PRIVATE or the key of the new segment.
 * @shmflg: in: %IPC_CREAT, %IPC_EXCL and the permission bits of the
 *	segment, as for shmget(); no other bit.
 * @flags: in: must be 0.
 *
 * The segment's size is the block's size. Unlike shmget(), a key that
 * exists is refused even without %IPC_EXCL: its segment has memory of its
 * own, which the block cannot replace.
 */
struct pmm_shmget_data {
	__u32 fd;
	__s32 key;
	__u32 shmflg;
	__u32 flags;
};

#define PMM_SHMGET_SIZE_VER0	16

#define PMM_IOC_MAGIC		0xB9

/*
 * PMM_IOCTL_ALLOC - allocate a block and return it as a dma-buf
 *
 * Takes a &struct pmm_alloc_data. The new file descriptor holds one
 * reference to the block; the block goes back to its memory type once the
 * file descriptor, its duplicates and every mapping of it are gone.
 */
#define PMM_IOCTL_ALLOC		_IOWR(PMM_IOC_MAGIC, 0x0, struct pmm_alloc_data)

/*
 * PMM_IOCTL_TYPE_INFO - describe a memory type
 *
 * Takes a &struct pmm_type_info. Ids run from 0 up; %ENOENT marks the end.
 */
#define PMM_IOCTL_TYPE_INFO	_IOWR(PMM_IOC_MAGIC, 0x1, struct pmm_type_info)

/*
 * PMM_IOCTL_BLOCK_INFO - describe the block behind a dma-buf
 *
 * Takes a &struct pmm_block_info.
 */
#define PMM_IOCTL_BLOCK_INFO	_IOWR(PMM_IOC_MAGIC, 0x2, struct pmm_block_info)

/*
 * PMM_IOCTL_SHMGET - make a block a SysV shared memory segment
 *
 * Takes a &struct pmm_shmget_data and returns the new segment's shmid, as
 * shmget() does, so that nothing can fail once the segment exists. The
 * segment is created in the caller's IPC namespace, owned by its effective
 * uid and gid, with shmget()'s limits and security checks, but shmat()
 * maps the block's own pages. The segment holds a reference to the block
 * until it is destroyed (after %IPC_RMID and the last shmdt(), or when
 * ``kernel.shm_rmid_forced`` destroys it with its creator).
 *
 * Errors, besides those of every ioctl: %EINVAL for shmflg bits other than
 * %IPC_CREAT, %IPC_EXCL and the permission bits, or a block smaller than
 * ``SHMMIN`` or larger than ``kernel.shmmax``, as for shmget(); %EBADF and
 * %ENODEV as for %PMM_IOCTL_BLOCK_INFO; %EACCES when /dev/pmm is not open
 * for writing, when the dma-buf is not open for reading and writing (the
 * segment never grants more than it does) or when the security policy
 * refuses the segment; %ENOENT for a key that does not
 * exist, without %IPC_CREAT; %EEXIST for a key that exists; %ENOSPC when
 * ``kernel.shmall`` or ``kernel.shmmni`` would be exceeded; %ENOTTY on a
 * kernel without SysV IPC.
 */
#define PMM_IOCTL_SHMGET	_IOW(PMM_IOC_MAGIC, 0x3, struct pmm_shmget_data)

#endif /* _UAPI_LINUX_PMM_H */
