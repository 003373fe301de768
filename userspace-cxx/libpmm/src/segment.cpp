// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <cerrno>
#include <pmm/segment.h>
#include <string>
#include <utility>

namespace pmm {

Result<Attachment> Attachment::create(int shmid, std::uint64_t size, int shmflg) noexcept
{
    const Result<std::size_t> length = detail::toSize(size);
    if (!length)
        return length.error();
    void *addr = ::shmat(shmid, nullptr, shmflg);
    if (addr == reinterpret_cast<void *>(-1))
        return detail::lastError();
    Attachment a;
    a.address_ = addr;
    a.view_ = std::span<std::byte>(static_cast<std::byte *>(addr), *length);
    return a;
}

Attachment::Attachment(int shmid, std::uint64_t size, int shmflg)
    : Attachment(detail::valueOrThrow(create(shmid, size, shmflg),
                                      [&] { return "shmat of segment " + std::to_string(shmid); }))
{
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

Result<Segment> Segment::tryCreate(std::uint64_t size, key_t key, int shmflg,
                                   Removal removal) noexcept
{
    const Result<std::size_t> length = detail::toSize(size);
    if (!length)
        return length.error();
    const int id = ::shmget(key, *length, shmflg);
    if (id < 0)
        return detail::lastError();
    return Segment(id, size, removal);
}

Segment Segment::create(std::uint64_t size, key_t key, int shmflg, Removal removal)
{
    return detail::valueOrThrow(tryCreate(size, key, shmflg, removal),
                                [&] { return "shmget of " + std::to_string(size) + " bytes"; });
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

Result<Attachment> Segment::tryAttach(int shmflg) const noexcept
{
    if (!isValid())
        return errnoCode(EINVAL);
    return Attachment::create(id_, size_, shmflg);
}

Attachment Segment::attach(int shmflg) const
{
    return detail::valueOrThrow(tryAttach(shmflg), [&] {
        return isValid() ? "shmat of segment " + std::to_string(id_)
                         : std::string("attach of an empty segment handle");
    });
}

Result<struct shmid_ds> Segment::tryStat() const noexcept
{
    struct shmid_ds ds {};
    if (::shmctl(id_, IPC_STAT, &ds) < 0)
        return detail::lastError();
    return ds;
}

struct shmid_ds Segment::stat() const
{
    return detail::valueOrThrow(
        tryStat(), [&] { return "shmctl IPC_STAT of segment " + std::to_string(id_); });
}

Result<void> Segment::tryRemove() noexcept
{
    if (!isValid())
        return errnoCode(EINVAL);
    if (::shmctl(id_, IPC_RMID, nullptr) < 0)
        return detail::lastError();
    (void)release();
    return {};
}

void Segment::remove()
{
    const int id = id_;
    detail::valueOrThrow(tryRemove(), [&] {
        return id >= 0 ? "shmctl IPC_RMID of segment " + std::to_string(id)
                       : std::string("remove of an empty segment handle");
    });
}

int Segment::release() noexcept
{
    const int id = id_;
    id_ = -1;
    size_ = 0;
    removal_ = Removal::OnDestroy;
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
