// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <pmm/types.h>
#include <system_error>

namespace pmm {

namespace {

Result<std::string> readLine(const std::filesystem::path &file)
{
    errno = 0;
    std::ifstream in(file);
    if (!in)
        return errnoCode(errno ? errno : EIO);
    std::string line;
    std::getline(in, line);
    return line;
}

Result<std::uint64_t> readNumber(const std::filesystem::path &file)
{
    const Result<std::string> s = readLine(file);
    if (!s)
        return s.error();
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || end != s->data() + s->size())
        return errnoCode(EINVAL);
    return v;
}

} // namespace

Result<TypeStats> tryReadStats(std::string_view name, const std::filesystem::path &root)
{
    const std::filesystem::path dir = root / name;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return errnoCode(ENOENT);
    TypeStats s;
    s.name = std::string(name);
    const std::pair<const char *, std::uint64_t *> numbers[] = {
        {"total_bytes", &s.totalBytes},     {"free_bytes", &s.freeBytes},
        {"used_bytes", &s.usedBytes},       {"largest_free_bytes", &s.largestFreeBytes},
        {"nr_blocks", &s.nrBlocks},         {"nr_free_extents", &s.nrFreeExtents},
        {"alloc_success", &s.allocSuccess}, {"alloc_fail", &s.allocFail},
        {"free_success", &s.freeSuccess},
    };
    for (const auto &[file, field] : numbers) {
        const Result<std::uint64_t> v = readNumber(dir / file);
        if (!v)
            return v.error();
        *field = *v;
    }
    const Result<std::uint64_t> id = readNumber(dir / "id");
    if (!id)
        return id.error();
    if (*id > UINT32_MAX)
        return errnoCode(EINVAL);
    s.id = static_cast<std::uint32_t>(*id);
    Result<std::string> policy = readLine(dir / "policy");
    if (!policy)
        return policy.error();
    s.policy = std::move(*policy);
    return s;
}

Result<std::vector<TypeStats>> tryReadAllStats(const std::filesystem::path &root)
{
    std::vector<TypeStats> all;
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec))
        return all;
    std::error_code listError;
    for (const auto &entry : std::filesystem::directory_iterator(root, listError)) {
        std::error_code entryError;
        if (!entry.is_directory(entryError))
            continue;
        Result<TypeStats> s = tryReadStats(entry.path().filename().string(), root);
        if (!s)
            return s.error();
        all.push_back(std::move(*s));
    }
    if (listError)
        return errnoCode(listError.value());
    std::sort(all.begin(), all.end(),
              [](const TypeStats &a, const TypeStats &b) { return a.id < b.id; });
    return all;
}

TypeStats readStats(std::string_view name, const std::filesystem::path &root)
{
    return detail::valueOrThrow(tryReadStats(name, root), [&] {
        return "cannot read the statistics of memory type " + (root / name).string();
    });
}

std::vector<TypeStats> readAllStats(const std::filesystem::path &root)
{
    return detail::valueOrThrow(tryReadAllStats(root), [&] {
        return "cannot read the memory types' statistics under " + root.string();
    });
}

} // namespace pmm
