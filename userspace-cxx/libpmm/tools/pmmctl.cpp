// SPDX-License-Identifier: GPL-2.0
// pmmctl: list PMM memory types, allocate and hold blocks, show what BLOCK_INFO says.
//   pmmctl types
//   pmmctl alloc SIZE [--type NAME | --mask M] [--align A] [--hold SECONDS]
//   pmmctl info [SIZE] [--type NAME | --mask M] [--fd N]
// Exit status: 0 success, 1 failure, 2 usage.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <pmm/device.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Usage : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void printUsage(FILE *out)
{
    std::fprintf(out,
                 "usage: pmmctl types\n"
                 "       pmmctl alloc SIZE [--type NAME | --mask M] [--align A] [--hold SECONDS]\n"
                 "       pmmctl info [SIZE] [--type NAME | --mask M] [--fd N]\n"
                 "SIZE and A take a K, M or G suffix (powers of 1024); M is a number (0x ok).\n");
}

std::uint64_t parseNumber(std::string_view s, bool suffixes, const char *what)
{
    std::string str(s);
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(str.c_str(), &end, 0);
    if (str.empty() || str[0] == '-' || end == str.c_str() || errno)
        throw Usage(std::string("bad ") + what + ": '" + str + "'");
    unsigned shift = 0;
    if (*end && suffixes) {
        switch (*end) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        default:
            throw Usage(std::string("bad ") + what + ": '" + str + "'");
        }
        ++end;
        if (*end == 'i' || *end == 'I')
            ++end;
        if (*end == 'b' || *end == 'B')
            ++end;
    }
    if (*end)
        throw Usage(std::string("bad ") + what + ": '" + str + "'");
    if (shift && v > (~0ULL >> shift))
        throw Usage(std::string(what) + " too large: '" + str + "'");
    return static_cast<std::uint64_t>(v) << shift;
}

std::string human(std::uint64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof(buf), "%" PRIu64 " B", bytes);
    else
        std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
    return buf;
}

void printTypes(const pmm::Device &dev)
{
    const auto types = dev.types();
    if (types.empty()) {
        std::printf("no PMM memory types (boot with pmm=NAME:SIZE[,...])\n");
        return;
    }
    std::printf("%-3s %-15s %10s %10s %10s %10s %7s %7s  %s\n", "ID", "NAME", "TOTAL", "FREE",
                "USED", "LARGEST", "BLOCKS", "EXTENTS", "POLICY");
    for (const auto &t : types) {
        std::optional<pmm::TypeStats> s;
        try {
            s = pmm::readStats(t.name);
        } catch (const pmm::Error &) {
        }
        // Sizes from the ioctl; counts and policy only sysfs has.
        std::printf("%-3" PRIu32 " %-15s %10s %10s %10s %10s %7s %7s  %s\n", t.id, t.name.c_str(),
                    human(t.totalBytes).c_str(), human(t.freeBytes).c_str(),
                    human(t.totalBytes - t.freeBytes).c_str(), human(t.largestFreeBytes).c_str(),
                    s ? std::to_string(s->nrBlocks).c_str() : "?",
                    s ? std::to_string(s->nrFreeExtents).c_str() : "?",
                    s ? s->policy.c_str() : "?");
    }
}

struct Options {
    std::vector<std::string> positional;
    std::optional<std::string> type;
    std::optional<std::uint32_t> mask;
    std::uint64_t align = 0;
    unsigned hold = 0;
    std::optional<int> fd;
};

Options parseOptions(int argc, char **argv, int first)
{
    Options o;
    for (int i = first; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc)
                throw Usage(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--type")
            o.type = std::string(value());
        else if (a == "--mask") {
            auto m = parseNumber(value(), false, "mask");
            if (m > UINT32_MAX)
                throw Usage("mask does not fit in 32 bits");
            o.mask = static_cast<std::uint32_t>(m);
        } else if (a == "--align")
            o.align = parseNumber(value(), true, "alignment");
        else if (a == "--hold")
            o.hold = static_cast<unsigned>(parseNumber(value(), false, "seconds"));
        else if (a == "--fd")
            o.fd = static_cast<int>(parseNumber(value(), false, "fd"));
        else if (a.size() > 1 && a[0] == '-')
            throw Usage("unknown option " + std::string(a));
        else
            o.positional.emplace_back(a);
    }
    if (o.type && o.mask)
        throw Usage("--type and --mask exclude each other");
    return o;
}

std::uint32_t maskOf(const pmm::Device &dev, const Options &o)
{
    if (o.mask)
        return *o.mask;
    if (!o.type)
        return 0;
    auto t = dev.findType(*o.type);
    if (!t)
        pmm::throwErrno(ENOENT, "no memory type '" + *o.type + "'");
    return t->mask();
}

std::string typeName(const pmm::Device &dev, std::uint32_t id)
{
    auto t = dev.typeInfo(id);
    return t ? t->name : "?";
}

void printBlockInfo(const pmm::Device &dev, int fd)
{
    const auto info = dev.blockInfo(fd);
    std::printf("block fd %d: size %" PRIu64 " (%s), type %" PRIu32 " (%s)\n", fd, info.size,
                human(info.size).c_str(), info.typeId, typeName(dev, info.typeId).c_str());
}

void printOneStat(const pmm::TypeStats &s, const char *when)
{
    std::printf("  %-6s %-10s free %10s  used %10s  largest %10s  blocks %" PRIu64
                "  extents %" PRIu64 "\n",
                when, s.name.c_str(), human(s.freeBytes).c_str(), human(s.usedBytes).c_str(),
                human(s.largestFreeBytes).c_str(), s.nrBlocks, s.nrFreeExtents);
}

void printStats(const char *when)
{
    for (const auto &s : pmm::readAllStats())
        printOneStat(s, when);
}

int cmdAlloc(const pmm::Device &dev, const Options &o)
{
    if (o.positional.size() != 1)
        throw Usage("alloc takes one SIZE");
    const std::uint64_t size = parseNumber(o.positional[0], true, "size");
    const std::uint32_t mask = maskOf(dev, o);

    std::printf("statistics before:\n");
    printStats("before");
    {
        pmm::Block block = dev.allocate(size, mask, o.align);
        std::printf("allocated %" PRIu64 " bytes (mask 0x%" PRIx32 ", align %" PRIu64 "):\n", size,
                    mask, o.align);
        printBlockInfo(dev, block.fd());

        pmm::Mapping map = block.map();
        auto bytes = map.data();
        const std::size_t words = bytes.size() / sizeof(std::uint64_t);
        auto pattern = [](std::size_t i) {
            return static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull;
        };
        {
            auto access = block.cpuAccess(pmm::Access::Write);
            for (std::size_t i = 0; i < words; ++i) {
                std::uint64_t v = pattern(i);
                std::memcpy(bytes.data() + i * sizeof(v), &v, sizeof(v));
            }
            access.end();
        }
        std::size_t bad = 0;
        {
            auto access = block.cpuAccess(pmm::Access::Read);
            for (std::size_t i = 0; i < words; ++i) {
                std::uint64_t v;
                std::memcpy(&v, bytes.data() + i * sizeof(v), sizeof(v));
                bad += v != pattern(i);
            }
            access.end();
        }
        std::printf("pattern written and read back through a %s mapping: %s\n",
                    human(bytes.size()).c_str(),
                    bad ? (std::to_string(bad) + " words differ").c_str() : "ok");
        std::printf("statistics while held:\n");
        printStats("held");
        if (o.hold) {
            std::printf("holding for %u s\n", o.hold);
            std::fflush(stdout);
            std::this_thread::sleep_for(std::chrono::seconds(o.hold));
        }
        if (bad)
            return 1;
    } // unmapped, then the fd closed: the block is freed
    std::printf("freed; statistics after:\n");
    printStats("after");
    return 0;
}

int cmdInfo(const pmm::Device &dev, const Options &o)
{
    if (o.fd) {
        if (!o.positional.empty())
            throw Usage("info --fd takes no SIZE");
        printBlockInfo(dev, *o.fd);
        return 0;
    }
    if (o.positional.size() > 1)
        throw Usage("info takes at most one SIZE");
    const std::uint64_t size =
        o.positional.empty() ? 4096 : parseNumber(o.positional[0], true, "size");
    // File descriptors do not cross processes here: show a block allocated for the purpose.
    pmm::Block block = dev.allocate(size, maskOf(dev, o), o.align);
    std::printf("allocated a block of %" PRIu64 " bytes for the demonstration\n", size);
    printBlockInfo(dev, block.fd());
    pmm::UniqueFD dup(::fcntl(block.fd(), F_DUPFD_CLOEXEC, 0));
    if (!dup)
        pmm::throwErrno(errno, "F_DUPFD_CLOEXEC");
    std::printf("a duplicate of it: ");
    printBlockInfo(dev, dup.get());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        printUsage(stdout);
        return 0;
    }
    try {
        const Options o = parseOptions(argc, argv, 2);
        if (cmd != "types" && cmd != "alloc" && cmd != "info")
            throw Usage("unknown command '" + std::string(cmd) + "'");
        if (cmd == "types" && (!o.positional.empty() || o.type || o.mask || o.fd))
            throw Usage("types takes no arguments");
        if (cmd == "alloc" && o.positional.size() != 1)
            throw Usage("alloc takes one SIZE");
        if (cmd == "info" && o.positional.size() > 1)
            throw Usage("info takes at most one SIZE");
        for (const auto &p : o.positional)
            (void)parseNumber(p, true, "size"); // usage errors before any device error
        const pmm::Device dev;
        if (cmd == "types") {
            printTypes(dev);
            return 0;
        }
        if (cmd == "alloc")
            return cmdAlloc(dev, o);
        return cmdInfo(dev, o);
    } catch (const Usage &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        printUsage(stderr);
        return 2;
    } catch (const pmm::Error &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        return 1;
    } catch (const std::exception &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        return 1;
    }
}
