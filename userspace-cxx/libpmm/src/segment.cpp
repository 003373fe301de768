// SPDX-License-Identifier: GPL-2.0
#include <cerrno>
#include <pmm/error.h>
#include <pmm/segment.h>
#include <string>
#include <utility>

namespace pmm {

Attachment::Attachment(int shmid, std::size_t size, int shmflg)
{
    void *addr = ::shmat(shmid, nullptr, shmflg);
    if (addr == reinterpret_cast<void *>(-1))
        throwErrno(errno, "shmat of segment " + std::to_string(shmid));
    address_ = addr;
    view_ = std::span<std::byte>(static_cast<std::byte *>(addr), size);
}

Attachment::Attachment(Attachment &&other) noexcept
{
    swap(other);
}

Attachment &Attachment::operator=(Attachment &&other) noexcept
{
    if (this != &other) {
        detach();
        swap(other);
    }
    return *this;
}

void Attachment::detach() noexcept
{
    if (address_)
        ::shmdt(address_);
    address_ = nullptr;
    view_ = {};
}

void Attachment::swap(Attachment &other) noexcept
{
    std::swap(address_, other.address_);
    std::swap(view_, other.view_);
}

Segment Segment::create(std::uint64_t size, key_t key, int shmflg, Removal removal)
{
    const int id = ::shmget(key, static_cast<std::size_t>(size), shmflg);
    if (id < 0)
        throwErrno(errno, "shmget of " + std::to_string(size) + " bytes");
    return Segment(id, size, removal);
}

Segment::Segment(Segment &&other) noexcept
{
    swap(other);
}

Segment &Segment::operator=(Segment &&other) noexcept
{
    if (this != &other) {
        reset();
        swap(other);
    }
    return *this;
}

Attachment Segment::attach(int shmflg) const
{
    if (!isValid())
        throwErrno(EINVAL, "attach of an empty segment handle");
    return Attachment(id_, static_cast<std::size_t>(size_), shmflg);
}

struct shmid_ds Segment::stat() const
{
    struct shmid_ds ds {};
    if (::shmctl(id_, IPC_STAT, &ds) < 0)
        throwErrno(errno, "shmctl IPC_STAT of segment " + std::to_string(id_));
    return ds;
}

void Segment::remove()
{
    if (!isValid())
        throwErrno(EINVAL, "remove of an empty segment handle");
    if (::shmctl(id_, IPC_RMID, nullptr) < 0)
        throwErrno(errno, "shmctl IPC_RMID of segment " + std::to_string(id_));
    (void)release();
}

int Segment::release() noexcept
{
    const int id = id_;
    id_ = -1;
    size_ = 0;
    removal_ = Removal::Keep;
    return id;
}

void Segment::reset() noexcept
{
    if (isValid() && removal_ == Removal::OnDestroy)
        ::shmctl(id_, IPC_RMID, nullptr);
    (void)release();
}

void Segment::swap(Segment &other) noexcept
{
    std::swap(id_, other.id_);
    std::swap(size_, other.size_);
    std::swap(removal_, other.removal_);
}

} // namespace pmm
