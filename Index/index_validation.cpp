// index_validation.cpp — the structural checks index bytes must pass before FAISS reads
// them, and the loaded index before Echo searches it.
//
// FAISS's reader sizes its vectors from counts in the file and fills them before it knows
// whether the bytes are there: a 300-byte file that claims 2^39 floats makes it allocate and
// zero gigabytes. So the bytes are walked first, for the three kinds of index Echo writes,
// with every count checked against the bytes that remain (check_layout); only then does
// FAISS read them.
//
// FAISS's reader checks that the bytes are long enough for what they declare, but not that
// the parts agree with each other: a header whose ntotal or dimension disagrees with the
// stored vectors, an HNSW neighbour that points past the last node, or an inverted list
// whose codes are shorter than its ids all load "successfully" and then read out of bounds
// at search time. Every invariant a search relies on is checked here, for the three kinds
// of index Echo writes (IDMap2 over Flat, IDMap2 over HNSW-Flat, IVF-Flat); anything else is
// refused.
#include "bridge_internal.h"

#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/invlists/InvertedLists.h>

#include <cstring>
#include <limits>
#include <vector>
#include <string>
#include <unordered_set>

namespace echo_bridge {
namespace {

/// Largest dimension Echo builds (the backbone's features are 1280 wide; patch features
/// are smaller). Far above that, a header is more likely edited than real.
constexpr int kMaxDimension = 1 << 16;
/// Largest number of vectors one index file may claim (2^31: HNSW stores node ids as int).
constexpr int64_t kMaxVectors = std::numeric_limits<int32_t>::max();
/// Search-time breadth limits: FAISS allocates per-query buffers of this size.
constexpr int kMaxBreadth = 1 << 20;

[[noreturn]] void refuse(const std::string &why) {
    throw BridgeError(ECHO_FAISS_CORRUPT, "the index is inconsistent: " + why);
}

void check(bool condition, const std::string &why) {
    if (!condition) refuse(why);
}

/// Header fields every index has.
void check_header(const faiss::Index &index, const char *what) {
    check(index.d > 0 && index.d <= kMaxDimension,
          std::string(what) + " has dimension " + std::to_string(index.d));
    check(index.ntotal >= 0 && index.ntotal <= kMaxVectors,
          std::string(what) + " claims " + std::to_string(index.ntotal) + " vectors");
    check(index.metric_type == faiss::METRIC_INNER_PRODUCT || index.metric_type == faiss::METRIC_L2,
          std::string(what) + " has an unknown metric");
}

/// Sizes multiplied without overflow; false when the product would not fit.
bool multiply(size_t a, size_t b, size_t &product) {
    if (a != 0 && b > std::numeric_limits<size_t>::max() / a) return false;
    product = a * b;
    return true;
}

/// A Flat index: float codes, exactly ntotal × d of them.
void check_flat(const faiss::IndexFlat &flat, const char *what) {
    check_header(flat, what);
    check(flat.code_size == size_t(flat.d) * sizeof(float),
          std::string(what) + " stores codes of " + std::to_string(flat.code_size) + " bytes for dimension " +
              std::to_string(flat.d));
    size_t expected = 0;
    check(multiply(size_t(flat.ntotal), flat.code_size, expected) && flat.codes.size() == expected,
          std::string(what) + " holds " + std::to_string(flat.codes.size()) + " bytes of vectors for " +
              std::to_string(flat.ntotal) + " vectors");
}

/// An HNSW graph over Flat storage: every node's level, neighbour slice and neighbour ids
/// agree with the graph's tables, and the entry point is a node of the top level.
void check_hnsw(const faiss::IndexHNSWFlat &index) {
    check_header(index, "the HNSW index");
    check(index.storage != nullptr, "the HNSW index has no storage");
    auto *storage = dynamic_cast<const faiss::IndexFlat *>(index.storage);
    check(storage != nullptr, "the HNSW storage is not a Flat index");
    check_flat(*storage, "the HNSW storage");
    check(storage->d == index.d && storage->ntotal == index.ntotal && storage->metric_type == index.metric_type,
          "the HNSW storage disagrees with its index (dimension, count or metric)");

    const faiss::HNSW &graph = index.hnsw;
    const size_t n = size_t(index.ntotal);
    const auto &cumulative = graph.cum_nneighbor_per_level;
    check(cumulative.size() >= 2 && cumulative.size() <= 64, "the HNSW graph has " +
          std::to_string(cumulative.size()) + " level bounds");
    check(cumulative[0] == 0, "the HNSW level table does not start at 0");
    for (size_t level = 1; level < cumulative.size(); level++) {
        check(cumulative[level] >= cumulative[level - 1] && cumulative[level] <= kMaxBreadth,
              "the HNSW level table is not increasing");
    }
    check(graph.assign_probas.size() + 1 == cumulative.size(),
          "the HNSW level probabilities disagree with its level table");
    check(graph.levels.size() == n, "the HNSW graph has " + std::to_string(graph.levels.size()) +
          " node levels for " + std::to_string(n) + " vectors");
    check(graph.offsets.size() == n + 1 && graph.offsets[0] == 0,
          "the HNSW graph's neighbour offsets do not cover its nodes");
    for (size_t node = 0; node < n; node++) {
        int level = graph.levels[node];
        check(level >= 1 && size_t(level) < cumulative.size(), "HNSW node " + std::to_string(node) +
              " has level " + std::to_string(level));
        check(graph.offsets[node + 1] >= graph.offsets[node] &&
                  graph.offsets[node + 1] - graph.offsets[node] == size_t(cumulative[level]),
              "HNSW node " + std::to_string(node) + " has a neighbour slice of the wrong size");
    }
    check(graph.offsets[n] == graph.neighbors.size(), "the HNSW neighbour table has " +
          std::to_string(graph.neighbors.size()) + " entries, its offsets " + std::to_string(graph.offsets[n]));
    for (auto neighbour : graph.neighbors) {
        check(neighbour >= -1 && int64_t(neighbour) < index.ntotal, "an HNSW neighbour points at node " +
              std::to_string(neighbour) + " of " + std::to_string(n));
    }
    if (n == 0) {
        check(graph.entry_point == -1 && graph.max_level == -1, "an empty HNSW graph has an entry point");
    } else {
        check(graph.entry_point >= 0 && size_t(graph.entry_point) < n, "the HNSW entry point is node " +
              std::to_string(graph.entry_point) + " of " + std::to_string(n));
        check(graph.max_level == graph.levels[graph.entry_point] - 1,
              "the HNSW entry point is not on the top level");
    }
    check(graph.efSearch >= 1 && graph.efSearch <= kMaxBreadth && graph.efConstruction >= 1 &&
              graph.efConstruction <= kMaxBreadth,
          "the HNSW search breadth is out of range");
    // Echo never sets a beam; any other value sends FAISS's search down a path that sizes its
    // buffers by it (0 writes through an empty one: the fuzzer's SIGSEGV).
    check(graph.upper_beam == 1, "the HNSW upper beam is " + std::to_string(graph.upper_beam) + ", not 1");
}

/// An IVF-Flat index: a Flat quantizer with one centroid per list, array inverted lists
/// whose codes match their ids, and as many listed vectors as the header claims.
void check_ivf(const faiss::IndexIVFFlat &ivf) {
    check_header(ivf, "the IVF index");
    check(ivf.nlist >= 1 && ivf.nlist <= 1000000, "the IVF index has " + std::to_string(ivf.nlist) + " lists");
    check(ivf.nprobe >= 1 && ivf.nprobe <= ivf.nlist, "the IVF index probes " + std::to_string(ivf.nprobe) +
          " of " + std::to_string(ivf.nlist) + " lists");
    check(ivf.quantizer != nullptr, "the IVF index has no quantizer");
    auto *quantizer = dynamic_cast<const faiss::IndexFlat *>(ivf.quantizer);
    check(quantizer != nullptr, "the IVF quantizer is not a Flat index");
    check_flat(*quantizer, "the IVF quantizer");
    check(quantizer->d == ivf.d, "the IVF quantizer's dimension disagrees with its index");
    check(ivf.is_trained ? size_t(quantizer->ntotal) == ivf.nlist : quantizer->ntotal == 0,
          "the IVF quantizer holds " + std::to_string(quantizer->ntotal) + " centroids for " +
              std::to_string(ivf.nlist) + " lists");
    check(ivf.is_trained || ivf.ntotal == 0, "an untrained IVF index holds vectors");
    check(ivf.code_size == size_t(ivf.d) * sizeof(float), "the IVF index stores codes of the wrong size");
    check(ivf.direct_map.type == faiss::DirectMap::NoMap, "the IVF index carries a direct map Echo never writes");
    auto *lists = dynamic_cast<const faiss::ArrayInvertedLists *>(ivf.invlists);
    check(lists != nullptr, "the IVF inverted lists are not in-memory array lists");
    check(lists->nlist == ivf.nlist && lists->code_size == ivf.code_size && lists->codes.size() == ivf.nlist &&
              lists->ids.size() == ivf.nlist,
          "the IVF inverted lists disagree with their index");
    size_t listed = 0;
    for (size_t list = 0; list < ivf.nlist; list++) {
        size_t expected = 0;
        check(multiply(lists->ids[list].size(), ivf.code_size, expected) && lists->codes[list].size() == expected,
              "IVF list " + std::to_string(list) + " has codes for a different number of vectors than ids");
        listed += lists->ids[list].size();
    }
    check(listed == size_t(ivf.ntotal), "the IVF lists hold " + std::to_string(listed) + " vectors, the header " +
          std::to_string(ivf.ntotal));
}


/// A bounded cursor over index bytes: every read is checked against what remains.
class Cursor {
  public:
    Cursor(const uint8_t *bytes, size_t count) : bytes_(bytes), count_(count) {}

    size_t remaining() const { return count_ - offset_; }

    template <typename T> T read(const char *what) {
        check(remaining() >= sizeof(T), std::string("the file ends inside ") + what);
        T value;
        std::memcpy(&value, bytes_ + offset_, sizeof(T));
        offset_ += sizeof(T);
        return value;
    }

    uint32_t fourcc(const char *what) { return read<uint32_t>(what); }

    /// Skips a FAISS vector (u64 count, then count × `width` bytes) whose bytes must be there.
    uint64_t vector(size_t width, const char *what) {
        uint64_t count = read<uint64_t>(what);
        check(count <= remaining() / width, std::string(what) + " claims " + std::to_string(count) +
              " entries, more than the file holds");
        offset_ += size_t(count) * width;
        return count;
    }

    void skip(size_t bytes, const char *what) {
        check(bytes <= remaining(), std::string("the file ends inside ") + what);
        offset_ += bytes;
    }

  private:
    const uint8_t *bytes_;
    size_t count_;
    size_t offset_ = 0;
};

constexpr uint32_t code(const char (&text)[5]) {
    return uint32_t(uint8_t(text[0])) | uint32_t(uint8_t(text[1])) << 8 | uint32_t(uint8_t(text[2])) << 16 |
           uint32_t(uint8_t(text[3])) << 24;
}

struct Header {
    int32_t d;
    int64_t ntotal;
};

/// FAISS's index header: d, ntotal, two unused words, is_trained, metric (and its argument).
Header walk_header(Cursor &cursor) {
    Header header{cursor.read<int32_t>("the index header"), cursor.read<int64_t>("the index header")};
    check(header.d > 0 && header.d <= kMaxDimension, "the header has dimension " + std::to_string(header.d));
    check(header.ntotal >= 0 && header.ntotal <= kMaxVectors, "the header claims " + std::to_string(header.ntotal) + " vectors");
    cursor.skip(16, "the index header");
    // FAISS reads this byte straight into a bool: anything but 0 or 1 is undefined behaviour.
    check(cursor.read<uint8_t>("the index header") <= 1, "the header's trained flag is not 0 or 1");
    int32_t metric = cursor.read<int32_t>("the index header");
    check(metric == faiss::METRIC_INNER_PRODUCT || metric == faiss::METRIC_L2, "the header has an unknown metric");
    return header;
}

/// A Flat index (IxFI or IxF2): its header, then ntotal × d floats.
Header walk_flat(Cursor &cursor) {
    uint32_t kind = cursor.fourcc("the index type");
    check(kind == code("IxFI") || kind == code("IxF2"), "a Flat index was expected");
    Header header = walk_header(cursor);
    uint64_t floats = cursor.vector(sizeof(float), "the Flat vectors");
    check(floats == uint64_t(header.ntotal) * uint64_t(header.d), "the Flat vectors do not match the header's count and dimension");
    return header;
}

/// An HNSW-Flat index (IHNf): header, the graph's five tables and four words, Flat storage.
Header walk_hnsw(Cursor &cursor) {
    Header header = walk_header(cursor);
    cursor.vector(sizeof(double), "the HNSW level probabilities");
    cursor.vector(sizeof(int32_t), "the HNSW level table");
    uint64_t levels = cursor.vector(sizeof(int32_t), "the HNSW node levels");
    uint64_t offsets = cursor.vector(sizeof(uint64_t), "the HNSW neighbour offsets");
    cursor.vector(sizeof(int32_t), "the HNSW neighbours");
    check(levels == uint64_t(header.ntotal) && offsets == uint64_t(header.ntotal) + 1, "the HNSW tables do not cover its nodes");
    cursor.skip(5 * sizeof(int32_t), "the HNSW graph");
    Header storage = walk_flat(cursor);
    check(storage.d == header.d && storage.ntotal == header.ntotal, "the HNSW storage disagrees with its index");
    return header;
}

/// An IVF-Flat index (IwFl): header, lists and probes, a Flat quantizer, no direct map, and
/// array inverted lists ("ilar", full or sparse sizes, then each list's codes and ids).
Header walk_ivf(Cursor &cursor) {
    Header header = walk_header(cursor);
    uint64_t nlist = cursor.read<uint64_t>("the IVF header");
    cursor.read<uint64_t>("the IVF header");
    check(nlist >= 1 && nlist <= 1000000, "the IVF index has " + std::to_string(nlist) + " lists");
    Header quantizer = walk_flat(cursor);
    check(quantizer.d == header.d && uint64_t(quantizer.ntotal) <= nlist, "the IVF quantizer disagrees with its index");
    check(cursor.read<uint8_t>("the IVF direct map") == 0, "the IVF index carries a direct map Echo never writes");
    check(cursor.vector(sizeof(int64_t), "the IVF direct map") == 0, "the IVF index carries a direct map Echo never writes");
    check(cursor.fourcc("the inverted lists") == code("ilar"), "the IVF lists are not array lists");
    check(cursor.read<uint64_t>("the inverted lists") == nlist, "the inverted lists disagree with the IVF header");
    uint64_t code_size = cursor.read<uint64_t>("the inverted lists");
    check(code_size == uint64_t(header.d) * sizeof(float), "the inverted lists store codes of the wrong size");
    uint32_t layout = cursor.fourcc("the inverted lists");
    check(layout == code("full") || layout == code("sprs"), "the inverted lists have an unknown layout");
    // The sizes vector, read here to check what the lists then claim.
    uint64_t entries = cursor.read<uint64_t>("the list sizes");
    check(entries <= cursor.remaining() / sizeof(uint64_t), "the list sizes claim more entries than the file holds");
    check(layout == code("full") ? entries == nlist : entries % 2 == 0 && entries / 2 <= nlist, "the list sizes do not match the lists");
    std::vector<uint64_t> sizes(entries);
    for (auto &size : sizes) size = cursor.read<uint64_t>("the list sizes");
    uint64_t listed = 0;
    for (size_t i = 0; i < sizes.size(); i++) {
        uint64_t vectors = sizes[i];
        if (layout == code("sprs")) {
            check(sizes[i] < nlist, "a sparse list number is out of range");
            vectors = sizes[++i];
        }
        check(vectors <= uint64_t(kMaxVectors), "an inverted list claims too many vectors");
        check(vectors <= cursor.remaining() / (code_size + sizeof(int64_t)), "an inverted list claims more vectors than the file holds");
        cursor.skip(size_t(vectors * (code_size + sizeof(int64_t))), "an inverted list");
        listed += vectors;
    }
    check(listed == uint64_t(header.ntotal), "the inverted lists hold a different number of vectors than the header");
    return header;
}

} // namespace

void check_layout(const uint8_t *bytes, size_t count) {
    Cursor cursor(bytes, count);
    uint32_t kind = cursor.fourcc("the index type");
    if (kind == code("IxM2")) {
        Header outer = walk_header(cursor);
        // The wrapped index: peek at its type without consuming it.
        Cursor peek = cursor;
        uint32_t inner_kind = peek.fourcc("the wrapped index type");
        Header inner{};
        if (inner_kind == code("IHNf")) {
            cursor.fourcc("the wrapped index type");
            inner = walk_hnsw(cursor);
        } else {
            inner = walk_flat(cursor);
        }
        check(inner.d == outer.d && inner.ntotal == outer.ntotal, "the id map disagrees with the index it wraps");
        check(cursor.vector(sizeof(int64_t), "the id map") == uint64_t(outer.ntotal), "the id map has the wrong number of ids");
    } else if (kind == code("IwFl")) {
        walk_ivf(cursor);
    } else {
        refuse("it is not a kind of index Echo writes (Flat, HNSW or IVF-Flat)");
    }
    check(cursor.remaining() == 0, "there are " + std::to_string(cursor.remaining()) + " bytes after the index");
}


void validate_loaded(const faiss::Index *index) {
    check(index != nullptr, "no index was read");
    if (auto *id_map = dynamic_cast<const faiss::IndexIDMap2 *>(index)) {
        check_header(*id_map, "the id map");
        check(id_map->index != nullptr, "the id map wraps no index");
        const faiss::Index &inner = *id_map->index;
        check(inner.d == id_map->d && inner.ntotal == id_map->ntotal && inner.metric_type == id_map->metric_type,
              "the id map disagrees with the index it wraps (dimension, count or metric)");
        check(id_map->id_map.size() == size_t(id_map->ntotal), "the id map has " +
              std::to_string(id_map->id_map.size()) + " ids for " + std::to_string(id_map->ntotal) + " vectors");
        check(id_map->rev_map.size() == id_map->id_map.size(), "the id map repeats an id");
        if (auto *hnsw = dynamic_cast<const faiss::IndexHNSWFlat *>(&inner)) {
            check_hnsw(*hnsw);
        } else if (auto *flat = dynamic_cast<const faiss::IndexFlat *>(&inner)) {
            check_flat(*flat, "the Flat index");
        } else {
            refuse("the id map wraps a kind of index Echo never writes");
        }
        return;
    }
    if (auto *ivf = dynamic_cast<const faiss::IndexIVFFlat *>(index)) {
        check_ivf(*ivf);
        return;
    }
    refuse("it is not a kind of index Echo writes (Flat, HNSW or IVF-Flat)");
}

} // namespace echo_bridge
