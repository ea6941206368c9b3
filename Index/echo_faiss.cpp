// echo_faiss.cpp — lifecycle, mutation, search and file I/O of the FAISS bridge.
#include "echo_faiss.h"
#include "bridge_internal.h"

#include <faiss/AutoTune.h>
#include <faiss/IVFlib.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <cstring>
#include <vector>

using echo_bridge::BridgeError;
using echo_bridge::guarded;

namespace echo_bridge {

void write_message(char *buffer, size_t capacity, const std::string &message) {
    if (buffer == nullptr || capacity == 0) return;
    size_t n = message.size() < capacity - 1 ? message.size() : capacity - 1;
    std::memcpy(buffer, message.data(), n);
    buffer[n] = '\0';
}

void attach_views(EchoFaissIndex *holder) {
    faiss::Index *index = holder->index.get();
    holder->id_map = dynamic_cast<faiss::IndexIDMap2 *>(index);
    holder->ivf = holder->id_map ? nullptr : faiss::ivflib::try_extract_index_ivf(index);
    holder->flat = holder->id_map ? dynamic_cast<const faiss::IndexFlat *>(holder->id_map->index)
                                  : nullptr;
    holder->ids.clear();
    if (holder->id_map) {
        holder->ids.insert(holder->id_map->id_map.begin(), holder->id_map->id_map.end());
    } else if (holder->ivf) {
        const faiss::InvertedLists *lists = holder->ivf->invlists;
        for (size_t list = 0; list < lists->nlist; list++) {
            size_t size = lists->list_size(list);
            if (size == 0) continue;
            faiss::InvertedLists::ScopedIds list_ids(lists, list);
            holder->ids.insert(list_ids.get(), list_ids.get() + size);
        }
    } else {
        throw BridgeError(ECHO_FAISS_UNSUPPORTED,
                          "the index keeps no caller ids (expected an IDMap2 or IVF index)");
    }
}

} // namespace echo_bridge

namespace {

faiss::MetricType to_faiss_metric(int32_t metric) {
    switch (metric) {
    case ECHO_FAISS_METRIC_INNER_PRODUCT: return faiss::METRIC_INNER_PRODUCT;
    case ECHO_FAISS_METRIC_L2: return faiss::METRIC_L2;
    default: throw BridgeError(ECHO_FAISS_INVALID_ARGUMENT, "unknown metric " + std::to_string(metric));
    }
}

void require(bool condition, int status, const std::string &message) {
    if (!condition) throw BridgeError(status, message);
}

} // namespace

extern "C" {

int echo_faiss_create(int32_t dimension, const char *description, int32_t metric,
                      EchoFaissIndex **out, char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_BAD_SPECIFICATION, [&] {
        require(out != nullptr && description != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "null argument");
        require(dimension > 0, ECHO_FAISS_INVALID_ARGUMENT,
                "dimension must be positive, got " + std::to_string(dimension));
        *out = nullptr;
        std::unique_ptr<faiss::Index> made(
            faiss::index_factory(dimension, description, to_faiss_metric(metric)));
        auto holder = std::make_unique<EchoFaissIndex>();
        bool keeps_ids = dynamic_cast<faiss::IndexIDMap2 *>(made.get()) != nullptr ||
                         faiss::ivflib::try_extract_index_ivf(made.get()) != nullptr;
        if (keeps_ids) {
            holder->index = std::move(made);
        } else {
            require(dynamic_cast<faiss::IndexIDMap *>(made.get()) == nullptr, ECHO_FAISS_BAD_SPECIFICATION,
                    "use IDMap2 (or no prefix) rather than IDMap: Echo needs id lookups");
            auto wrapped = std::make_unique<faiss::IndexIDMap2>(made.get());
            made.release();
            wrapped->own_fields = true;
            holder->index = std::move(wrapped);
        }
        echo_bridge::attach_views(holder.get());
        *out = holder.release();
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_read_memory(const uint8_t *bytes, size_t count, EchoFaissIndex **out, char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_CORRUPT, [&] {
        require(out != nullptr && bytes != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "null argument");
        *out = nullptr;
        echo_bridge::check_layout(bytes, count);
        faiss::VectorIOReader reader;
        reader.data.assign(bytes, bytes + count);
        auto holder = std::make_unique<EchoFaissIndex>();
        holder->index.reset(faiss::read_index(&reader));
        echo_bridge::validate_loaded(holder->index.get());
        echo_bridge::attach_views(holder.get());
        require(holder->ids.size() == size_t(holder->index->ntotal), ECHO_FAISS_CORRUPT,
                "the index is inconsistent: it repeats an id");
        *out = holder.release();
        return ECHO_FAISS_OK;
    });
}

void echo_faiss_free(EchoFaissIndex *index) { delete index; }

int32_t echo_faiss_dimension(const EchoFaissIndex *index) { return index->index->d; }

int32_t echo_faiss_metric(const EchoFaissIndex *index) {
    return index->index->metric_type == faiss::METRIC_L2 ? ECHO_FAISS_METRIC_L2
                                                         : ECHO_FAISS_METRIC_INNER_PRODUCT;
}

int64_t echo_faiss_count(const EchoFaissIndex *index) { return index->index->ntotal; }

int32_t echo_faiss_is_trained(const EchoFaissIndex *index) { return index->index->is_trained ? 1 : 0; }

int32_t echo_faiss_supports_removal(const EchoFaissIndex *index) {
    return (index->flat != nullptr || index->ivf != nullptr) ? 1 : 0;
}

int32_t echo_faiss_contains(const EchoFaissIndex *index, int64_t id) {
    return index->ids.count(id) ? 1 : 0;
}

int echo_faiss_train(EchoFaissIndex *index, int64_t n, const float *vectors, char *error,
                     size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INTERNAL, [&] {
        require(n > 0 && vectors != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "no training vectors");
        index->index->train(n, vectors);
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_add_with_ids(EchoFaissIndex *index, int64_t n, const float *vectors,
                            const int64_t *ids, char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INTERNAL, [&] {
        if (n == 0) return ECHO_FAISS_OK;
        require(n > 0 && vectors != nullptr && ids != nullptr, ECHO_FAISS_INVALID_ARGUMENT,
                "bad vector batch");
        require(index->index->is_trained, ECHO_FAISS_NOT_TRAINED,
                "the index must be trained before vectors are added");
        std::unordered_set<int64_t> batch;
        batch.reserve(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; i++) {
            require(ids[i] >= 0, ECHO_FAISS_INVALID_ARGUMENT,
                    "ids must be non-negative, got " + std::to_string(ids[i]));
            require(index->ids.count(ids[i]) == 0 && batch.insert(ids[i]).second,
                    ECHO_FAISS_DUPLICATE_ID, "id " + std::to_string(ids[i]) + " is already in the index");
        }
        index->index->add_with_ids(n, vectors, ids);
        index->ids.insert(batch.begin(), batch.end());
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_search(const EchoFaissIndex *index, int64_t n, const float *queries, int64_t k,
                      float *scores, int64_t *ids, char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INTERNAL, [&] {
        require(k > 0, ECHO_FAISS_INVALID_ARGUMENT, "k must be positive, got " + std::to_string(k));
        if (n == 0) return ECHO_FAISS_OK;
        require(n > 0 && queries && scores && ids, ECHO_FAISS_INVALID_ARGUMENT, "bad query batch");
        // FAISS's generic build scans below its BLAS threshold with scalar code; a SIMD
        // scan over the Flat index's own storage is several times faster there.
        if (index->flat != nullptr && n < faiss::distance_compute_blas_threshold) {
            const std::vector<faiss::Index::idx_t> &map = index->id_map->id_map;
            const int64_t d = index->index->d;
            const int threads = echo_faiss_scan_thread_count();
            for (int64_t q = 0; q < n; q++) {
                int64_t *row = ids + q * k;
                echo_bridge::flat_scan_top_k(*index->flat, queries + q * d, k, threads, scores + q * k, row);
                for (int64_t r = 0; r < k; r++) {
                    if (row[r] >= 0) row[r] = map[static_cast<size_t>(row[r])];
                }
            }
            return ECHO_FAISS_OK;
        }
        static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t), "FAISS ids are 64-bit");
        index->index->search(n, queries, k, scores, reinterpret_cast<faiss::Index::idx_t *>(ids));
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_remove_ids(EchoFaissIndex *index, int64_t n, const int64_t *ids, int64_t *removed,
                          char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INTERNAL, [&] {
        require(removed != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "null argument");
        *removed = 0;
        require(echo_faiss_supports_removal(index), ECHO_FAISS_UNSUPPORTED,
                "this index type cannot remove vectors (HNSW and similar graphs); rebuild it without them");
        if (n == 0) return ECHO_FAISS_OK;
        require(n > 0 && ids != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "bad id batch");
        faiss::IDSelectorBatch selector(static_cast<size_t>(n), reinterpret_cast<const faiss::Index::idx_t *>(ids));
        *removed = static_cast<int64_t>(index->index->remove_ids(selector));
        for (int64_t i = 0; i < n; i++) index->ids.erase(ids[i]);
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_set_parameter(EchoFaissIndex *index, const char *name, double value, char *error,
                             size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INVALID_ARGUMENT, [&] {
        require(name != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "null parameter name");
        faiss::ParameterSpace().set_index_parameter(index->index.get(), name, value);
        return ECHO_FAISS_OK;
    });
}

int echo_faiss_serialize(const EchoFaissIndex *index, EchoFaissBytes **out, const uint8_t **bytes, size_t *count,
                         char *error, size_t error_capacity) {
    return guarded(error, error_capacity, ECHO_FAISS_INTERNAL, [&] {
        require(out != nullptr && bytes != nullptr && count != nullptr, ECHO_FAISS_INVALID_ARGUMENT, "null argument");
        *out = nullptr;
        auto holder = std::make_unique<EchoFaissBytes>();
        faiss::write_index(index->index.get(), &holder->writer);
        *bytes = holder->writer.data.data();
        *count = holder->writer.data.size();
        *out = holder.release();
        return ECHO_FAISS_OK;
    });
}

void echo_faiss_free_bytes(EchoFaissBytes *bytes) { delete bytes; }

const char *echo_faiss_version(void) {
#define ECHO_STR2(x) #x
#define ECHO_STR(x) ECHO_STR2(x)
    return ECHO_STR(FAISS_VERSION_MAJOR) "." ECHO_STR(FAISS_VERSION_MINOR) "." ECHO_STR(FAISS_VERSION_PATCH);
}

} // extern "C"
