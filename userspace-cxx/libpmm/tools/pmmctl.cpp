// SPDX-License-Identifier: LGPL-2.1-or-later
// pmmctl: list PMM memory types, allocate and hold blocks, show what BLOCK_INFO says, make a
// block a System V shared memory segment. `pmmctl --help`, `pmmctl COMMAND --help`.
// Exit status: 0 success, 1 failure, 2 usage.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <pmm/device.h>
#include <pmm/segment.h>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace {

// --- Command-line values: each parsed in one place, checked by CLI11 with the same code. ---

// A number, decimal or 0x hex; with suffixes, K, M or G (powers of 1024, KiB/KB accepted).
std::optional<std::uint64_t> parseNumber(std::string_view s, bool suffixes)
{
    const std::string str(s);
    if (str.empty() || str[0] == '-')
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(str.c_str(), &end, 0);
    if (end == str.c_str() || errno)
        return std::nullopt;
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
            return std::nullopt;
        }
        ++end;
        if (*end == 'i' || *end == 'I')
            ++end;
        if (*end == 'b' || *end == 'B')
            ++end;
    }
    if (*end || (shift && v > (~0ULL >> shift)))
        return std::nullopt;
    return static_cast<std::uint64_t>(v) << shift;
}

std::uint64_t parseSize(std::string_view s)
{
    return *parseNumber(s, true); // checked by sizeValue
}

std::optional<std::uint32_t> parseU32(std::string_view s)
{
    const auto v = parseNumber(s, false);
    if (!v || *v > UINT32_MAX)
        return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

std::optional<int> parseMode(std::string_view s)
{
    const std::string m(s);
    char *end = nullptr;
    const unsigned long v = std::strtoul(m.c_str(), &end, 8);
    if (m.empty() || m[0] == '-' || *end || v > 0777)
        return std::nullopt;
    return static_cast<int>(v);
}

const CLI::Validator sizeValue(
    [](std::string &s) {
        return parseNumber(s, true) ? std::string() : "not a size: '" + s + "' (N, NK, NM, NG)";
    },
    "");
const CLI::Validator u32Value(
    [](std::string &s) { return parseU32(s) ? std::string() : "not a 32-bit number: '" + s + "'"; },
    "");
const CLI::Validator modeValue(
    [](std::string &s) {
        return parseMode(s) ? std::string() : "not a mode: '" + s + "' (octal, at most 0777)";
    },
    "");

// --- Output. ---

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
        // Sizes from the ioctl; counts and policy only sysfs has.
        const pmm::Result<pmm::TypeStats> s = pmm::tryReadStats(t.name);
        std::printf("%-3" PRIu32 " %-15s %10s %10s %10s %10s %7s %7s  %s\n", t.id, t.name.c_str(),
                    human(t.totalBytes).c_str(), human(t.freeBytes).c_str(),
                    human(t.totalBytes - t.freeBytes).c_str(), human(t.largestFreeBytes).c_str(),
                    s ? std::to_string(s->nrBlocks).c_str() : "?",
                    s ? std::to_string(s->nrFreeExtents).c_str() : "?",
                    s ? s->policy.c_str() : "?");
    }
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

void printStats(const char *when)
{
    for (const auto &s : pmm::readAllStats())
        std::printf("  %-6s %-10s free %10s  used %10s  largest %10s  blocks %" PRIu64
                    "  extents %" PRIu64 "\n",
                    when, s.name.c_str(), human(s.freeBytes).c_str(), human(s.usedBytes).c_str(),
                    human(s.largestFreeBytes).c_str(), s.nrBlocks, s.nrFreeExtents);
}

// --- The check pattern: written through one view of a block, read through another. ---

// 2^64 divided by the golden ratio: consecutive words differ in many bits, so a page that is
// stale, shifted or another block's shows at once.
constexpr std::uint64_t kPatternMultiplier = 0x9E3779B97F4A7C15ull;

std::uint64_t patternWord(std::size_t index, std::uint64_t seed)
{
    return static_cast<std::uint64_t>(index) * kPatternMultiplier + seed;
}

void fillPattern(std::span<std::byte> bytes, std::uint64_t seed)
{
    for (std::size_t i = 0; i < bytes.size() / sizeof(std::uint64_t); ++i) {
        const std::uint64_t v = patternWord(i, seed);
        std::memcpy(bytes.data() + i * sizeof(v), &v, sizeof(v));
    }
}

// How many words of bytes differ from the pattern.
std::size_t countPatternMismatches(std::span<const std::byte> bytes, std::uint64_t seed)
{
    std::size_t bad = 0;
    for (std::size_t i = 0; i < bytes.size() / sizeof(std::uint64_t); ++i) {
        std::uint64_t v;
        std::memcpy(&v, bytes.data() + i * sizeof(v), sizeof(v));
        bad += v != patternWord(i, seed);
    }
    return bad;
}

// --- The commands. ---

struct BlockChoice {
    std::string size;
    std::optional<std::string> type;
    std::optional<std::string> mask;
    std::string align = "0";
};

struct Options {
    BlockChoice block;
    unsigned hold = 0;
    std::optional<int> fd;
    std::optional<std::string> key;
    bool excl = false;
    std::string mode = "600";
};

std::uint32_t maskOf(const pmm::Device &dev, const BlockChoice &c)
{
    if (c.mask)
        return *parseU32(*c.mask);
    if (!c.type)
        return 0;
    auto t = dev.findType(*c.type);
    if (!t)
        pmm::throwErrno(ENOENT, "no memory type '" + *c.type + "'");
    if (!t->mask())
        pmm::throwErrno(EINVAL, "memory type '" + *c.type + "' has id " + std::to_string(t->id) +
                                    ": no type mask names it (use its dma-heap)");
    return *t->mask();
}

pmm::Block allocateAndDescribe(const pmm::Device &dev, const BlockChoice &c)
{
    const std::uint64_t size = parseSize(c.size), align = parseSize(c.align);
    const std::uint32_t mask = maskOf(dev, c);
    std::printf("statistics before:\n");
    printStats("before");
    pmm::Block block = dev.allocate(size, mask, align);
    std::printf("allocated %" PRIu64 " bytes (mask 0x%" PRIx32 ", align %" PRIu64 "):\n", size,
                mask, align);
    printBlockInfo(dev, block.fd());
    return block;
}

int cmdAlloc(const Options &o)
{
    const pmm::Device dev(pmm::Device::Mode::Allocate);
    std::size_t bad = 0;
    {
        pmm::Block block = allocateAndDescribe(dev, o.block);
        pmm::Mapping map = block.map();
        {
            auto access = block.cpuAccess(pmm::Access::Write);
            fillPattern(map.data(), 0);
            access.end();
        }
        {
            auto access = block.cpuAccess(pmm::Access::Read);
            bad = countPatternMismatches(map.constData(), 0);
            access.end();
        }
        std::printf("pattern written and read back through a %s mapping: %s\n",
                    human(map.size()).c_str(),
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

// Writes the pattern through the block's dma-buf mapping and checks it through a shmat() of
// the segment: the segment must be the block's pages, not a copy. The words that differ.
std::size_t checkSamePages(const pmm::Block &block, const pmm::Segment &segment)
{
    pmm::Mapping map = block.map();
    {
        auto access = block.cpuAccess(pmm::Access::Write);
        fillPattern(map.data(), 1);
        access.end();
    }
    const pmm::Attachment att = segment.attach(SHM_RDONLY);
    return countPatternMismatches(att.constData().first(std::min(att.size(), map.size())), 1);
}

int cmdShmget(const Options &o)
{
    int shmflg = *parseMode(o.mode);
    key_t key = IPC_PRIVATE;
    if (o.key) {
        key = static_cast<key_t>(*parseU32(*o.key));
        shmflg |= IPC_CREAT | (o.excl ? IPC_EXCL : 0);
    }
    const pmm::Device dev(pmm::Device::Mode::Allocate);
    if (o.fd) {
        // A block this process inherited: convert it as it is, nothing written into it.
        printBlockInfo(dev, *o.fd);
        pmm::Segment segment = dev.shmget(*o.fd, key, shmflg, pmm::Segment::Removal::Keep);
        std::printf("converted to a System V segment of %" PRIu64 " bytes (%s)\n", segment.size(),
                    human(segment.size()).c_str());
        std::printf("shmid %d\n", segment.release());
        return 0;
    }
    pmm::Segment segment;
    std::size_t bad = 0;
    {
        const pmm::Block block = allocateAndDescribe(dev, o.block);
        // Removed again if anything below fails: only a checked segment is left behind.
        segment = dev.shmget(block, key, shmflg, pmm::Segment::Removal::OnDestroy);
        std::printf("converted to a System V segment of %" PRIu64 " bytes (%s), key 0x%08x, mode "
                    "%03o\n",
                    segment.size(), human(segment.size()).c_str(), static_cast<unsigned>(key),
                    static_cast<unsigned>(shmflg & 0777));
        bad = checkSamePages(block, segment);
        std::printf("pattern written through the dma-buf mapping, read through shmat(): %s\n",
                    bad ? (std::to_string(bad) + " words differ: not the same pages").c_str()
                        : "same pages");
    } // the block's fd closed: the segment holds the block now
    if (bad)
        return 1; // the segment is removed
    std::printf("block fd closed; the segment holds the block. statistics:\n");
    printStats("shm");
    // Kept on purpose: the segment is for another program (ipcs, an X server).
    std::printf("shmid %d\n", segment.release());
    return 0;
}

int cmdInfo(const Options &o)
{
    if (o.fd) {
        printBlockInfo(pmm::Device(pmm::Device::Mode::Query), *o.fd);
        return 0;
    }
    // File descriptors do not cross processes here: show a block allocated for the purpose.
    const pmm::Device dev(pmm::Device::Mode::Allocate);
    pmm::Block block =
        dev.allocate(parseSize(o.block.size), maskOf(dev, o.block), parseSize(o.block.align));
    std::printf("allocated a block of %" PRIu64 " bytes for the demonstration\n",
                parseSize(o.block.size));
    printBlockInfo(dev, block.fd());
    const pmm::UniqueFD dup = pmm::UniqueFD::duplicateOf(block.fd()).value();
    std::printf("a duplicate of it: ");
    printBlockInfo(dev, dup.get());
    return 0;
}

// --type NAME | --mask M and --align A, on command cmd.
struct BlockOptions {
    CLI::Option *type, *mask, *align;
};

BlockOptions addBlockOptions(CLI::App *cmd, BlockChoice &c)
{
    BlockOptions b;
    b.type =
        cmd->add_option("--type", c.type, "allocate from the memory type NAME")->type_name("NAME");
    b.mask = cmd->add_option("--mask", c.mask,
                             "allocate from the types of mask M (bit i: type id i; 0x ok)")
                 ->type_name("M")
                 ->check(u32Value)
                 ->excludes(b.type);
    b.align = cmd->add_option("--align", c.align,
                              "physical alignment A (a power of two, at least a page)")
                  ->type_name("A")
                  ->check(sizeValue);
    return b;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"pmmctl: PMM (Physical Memory Management) memory types and blocks through "
                 "/dev/pmm.\nSIZE and A take a K, M or G suffix (powers of 1024); M, N and K "
                 "are numbers (0x ok); MODE is octal.",
                 "pmmctl"};
    app.require_subcommand(1);
    Options o;

    app.add_subcommand("types", "list the memory types and their statistics");

    CLI::App *alloc =
        app.add_subcommand("alloc", "allocate a block, map it, write and check a pattern, free it");
    alloc->add_option("SIZE", o.block.size, "the block's size")
        ->required()
        ->type_name("") // the positional's name says it
        ->check(sizeValue);
    addBlockOptions(alloc, o.block);
    alloc->add_option("--hold", o.hold, "hold the block SECONDS before freeing it")
        ->type_name("SECONDS");

    CLI::App *info = app.add_subcommand(
        "info", "what PMM_IOCTL_BLOCK_INFO says of a new block (and a duplicate), or of fd N");
    o.block.size = "4096";
    CLI::Option *infoSize =
        info->add_option("SIZE", o.block.size, "the new block's size (default 4096)")
            ->type_name("")
            ->check(sizeValue);
    const BlockOptions infoBlock = addBlockOptions(info, o.block);
    info->add_option("--fd", o.fd, "describe the inherited block fd N instead")
        ->type_name("N")
        ->excludes(infoSize)
        ->excludes(infoBlock.type)
        ->excludes(infoBlock.mask)
        ->excludes(infoBlock.align);

    CLI::App *shmget = app.add_subcommand(
        "shmget", "make a block a System V segment that holds it; prints \"shmid ID\" last "
                  "(ipcrm -m ID frees it)");
    CLI::Option_group *source = shmget->add_option_group("block", "a new block or an inherited fd");
    CLI::Option *shmSize = source->add_option("SIZE", o.block.size, "allocate a block of SIZE")
                               ->type_name("")
                               ->check(sizeValue);
    CLI::Option *shmFd =
        source->add_option("--fd", o.fd, "convert the inherited block fd N")->type_name("N");
    source->require_option(1);
    const BlockOptions shmBlock = addBlockOptions(shmget, o.block);
    for (CLI::Option *opt : {shmBlock.type, shmBlock.mask, shmBlock.align})
        opt->needs(shmSize)->excludes(shmFd);
    CLI::Option *key =
        shmget->add_option("--key", o.key, "the segment's key K (default IPC_PRIVATE)")
            ->type_name("K")
            ->check(u32Value);
    shmget->add_flag("--excl", o.excl, "fail if the key exists (IPC_EXCL)")->needs(key);
    shmget->add_option("--mode", o.mode, "the segment's permissions (default 600)")
        ->type_name("MODE")
        ->check(modeValue);

    if (argc == 2 && std::string_view(argv[1]) == "help") { // as before CLI11
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(e); // --help
        std::fprintf(stderr, "pmmctl: %s\nRun 'pmmctl --help' or 'pmmctl COMMAND --help'.\n",
                     e.what());
        return 2;
    }

    try {
        if (app.got_subcommand("types")) {
            printTypes(pmm::Device(pmm::Device::Mode::Query));
            return 0;
        }
        if (app.got_subcommand(alloc))
            return cmdAlloc(o);
        if (app.got_subcommand(shmget))
            return cmdShmget(o);
        return cmdInfo(o);
    } catch (const std::exception &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        return 1;
    }
}
