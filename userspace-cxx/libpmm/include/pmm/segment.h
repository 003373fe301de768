// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Segment: a System V shared memory segment, the handle of its id, typically made from a
// PMM block by Device::shmget() (PMM_IOCTL_SHMGET: the segment is the block's own pages, no
// copy); pmm::Attachment: one shmat() of a segment, detached on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <pmm/export.h>
#include <pmm/result.h>
#include <span>
#include <sys/ipc.h>
#include <sys/shm.h>

namespace pmm {

// One shmat() of a segment, owned: shmdt() on destruction. The attachment keeps the segment's
// pages (and so a PMM block) alive after the segment is removed and the block's fd is closed.
class PMM_PUBLIC Attachment {
public:
    Attachment() noexcept = default;
    // shmat(shmid, nullptr, shmflg) of a segment of size bytes (SHM_RDONLY for a read-only
    // attachment): shmat()'s errno, or EOVERFLOW for a size beyond this process's size_t.
    static Result<Attachment> create(int shmid, std::uint64_t size, int shmflg = 0) noexcept;
    // The same; throws pmm::Error.
    Attachment(int shmid, std::uint64_t size, int shmflg = 0);

    Attachment(Attachment &&other) noexcept;
    // Detaches this attachment before taking over other's.
    Attachment &operator=(Attachment &&other) noexcept;
    Attachment(const Attachment &) = delete;
    Attachment &operator=(const Attachment &) = delete;
    ~Attachment() { detach(); }

    void detach() noexcept;
    void swap(Attachment &other) noexcept;

    bool isValid() const noexcept { return address_ != nullptr; }
    explicit operator bool() const noexcept { return isValid(); }

    // The segment's bytes (empty when not attached). Writing through a SHM_RDONLY attachment
    // faults, as with a PROT_READ pmm::Mapping.
    std::span<std::byte> data() const noexcept { return view_; }
    std::span<const std::byte> constData() const noexcept { return view_; }
    std::size_t size() const noexcept { return view_.size(); }
    void *address() const noexcept { return address_; }

private:
    void *address_ = nullptr;
    std::span<std::byte> view_;
};

// The id of a System V shared memory segment and its size.
//
// Lifetime of the id: a segment is a kernel object of the IPC namespace, not of the process,
// and a PMM segment holds its block's reserve. By default (Removal::OnDestroy) the handle owns
// the id and its destructor removes it, so that a process that crashes or forgets leaves no
// reserve behind. A segment made for another process (an X server's MIT-SHM) must outlive the
// handle: ask for that explicitly with Removal::Keep (or setRemoval() once the other side has
// attached, or release()); the segment then lives on until remove(), shmctl(IPC_RMID) or
// `ipcrm -m`, as with shmget(). Removing only marks the segment: its pages (a PMM block) are
// freed once the last attachment, in any process, is gone.
class PMM_PUBLIC Segment {
public:
    enum class Removal { OnDestroy, Keep };

    Segment() noexcept = default;
    // Takes charge of the id shmid of a segment of size bytes.
    Segment(int shmid, std::uint64_t size, Removal removal = Removal::OnDestroy) noexcept
        : id_(shmid), size_(size), removal_(removal)
    {
    }

    // An ordinary segment from shmget(key, size, shmflg) (anonymous shmem pages, not PMM), for
    // comparison and for hosts without /dev/pmm. A key other than IPC_PRIVATE needs IPC_CREAT
    // in shmflg, as with shmget(). shmget()'s errno, or EOVERFLOW for a size beyond size_t.
    static Result<Segment> tryCreate(std::uint64_t size, key_t key = IPC_PRIVATE, int shmflg = 0600,
                                     Removal removal = Removal::OnDestroy) noexcept;
    // The same; throws pmm::Error.
    static Segment create(std::uint64_t size, key_t key = IPC_PRIVATE, int shmflg = 0600,
                          Removal removal = Removal::OnDestroy);

    // A moved-from segment is empty: id() == -1, size() == 0, nothing removed.
    Segment(Segment &&other) noexcept;
    // Removes this segment's id first if it is Removal::OnDestroy.
    Segment &operator=(Segment &&other) noexcept;
    Segment(const Segment &) = delete;
    Segment &operator=(const Segment &) = delete;
    ~Segment() { reset(); }

    bool isValid() const noexcept { return id_ >= 0; }
    explicit operator bool() const noexcept { return isValid(); }
    int id() const noexcept { return id_; }
    std::uint64_t size() const noexcept { return size_; }

    Removal removal() const noexcept { return removal_; }
    void setRemoval(Removal removal) noexcept { removal_ = removal; }

    // Attaches the whole segment in this process (shmat); EINVAL for an empty handle.
    Result<Attachment> tryAttach(int shmflg = 0) const noexcept;
    // shmctl(IPC_STAT).
    Result<struct shmid_ds> tryStat() const noexcept;
    // shmctl(IPC_RMID) now, whatever removal() says; the handle becomes empty. Attachments
    // stay valid. On an error the handle is left as it was.
    Result<void> tryRemove() noexcept;
    // The same; throw pmm::Error.
    Attachment attach(int shmflg = 0) const;
    struct shmid_ds stat() const;
    void remove();

    // Gives up the id without removing it; the handle becomes empty.
    [[nodiscard]] int release() noexcept;
    // Empties the handle: removes the id if removal() is Removal::OnDestroy (an error is
    // ignored: call tryRemove() to see it), else just forgets it.
    void reset() noexcept;
    void swap(Segment &other) noexcept;

private:
    int id_ = -1;
    std::uint64_t size_ = 0;
    Removal removal_ = Removal::OnDestroy;
};

} // namespace pmm
