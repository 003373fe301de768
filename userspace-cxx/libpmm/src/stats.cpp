// SPDX-License-Identifier: GPL-2.0
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <pmm/error.h>
#include <pmm/types.h>
#include <system_error>

namespace pmm {

namespace {

std::string readLine(const std::filesystem::path &file)
{
    std::ifstream in(file);
    if (!in)
        throwErrno(errno ? errno : EIO, "cannot read " + file.string());
    std::string line;
    std::getline(in, line);
    return line;
}

std::uint64_t readNumber(const std::filesystem::path &file)
{
    const std::string s = readLine(file);
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
        throwErrno(EINVAL, "not a number in " + file.string() + ": '" + s + "'");
    return v;
}

} // namespace

TypeStats readStats(std::string_view name, const std::filesystem::path &root)
{
    const std::filesystem::path dir = root / name;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throwErrno(ENOENT, "no memory type " + dir.string());
    TypeStats s;
    s.name = std::string(name);
    s.id = static_cast<std::uint32_t>(readNumber(dir / "id"));
    s.totalBytes = readNumber(dir / "total_bytes");
    s.freeBytes = readNumber(dir / "free_bytes");
    s.usedBytes = readNumber(dir / "used_bytes");
    s.largestFreeBytes = readNumber(dir / "largest_free_bytes");
    s.nrBlocks = readNumber(dir / "nr_blocks");
    s.nrFreeExtents = readNumber(dir / "nr_free_extents");
    s.allocSuccess = readNumber(dir / "alloc_success");
    s.allocFail = readNumber(dir / "alloc_fail");
    s.freeSuccess = readNumber(dir / "free_success");
    s.policy = readLine(dir / "policy");
    return s;
}

std::vector<TypeStats> readAllStats(const std::filesystem::path &root)
{
    std::vector<TypeStats> all;
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec))
        return all;
    for (const auto &entry : std::filesystem::directory_iterator(root, ec))
        if (entry.is_directory(ec))
            all.push_back(readStats(entry.path().filename().string(), root));
    std::sort(all.begin(), all.end(),
              [](const TypeStats &a, const TypeStats &b) { return a.id < b.id; });
    return all;
}

} // namespace pmm
