#pragma once
// Nodes of a std::map / std::unordered_map kept for reuse (C++17 node handles): a container
// whose entries come and go at a steady rate then allocates none. Not thread-safe: guarded as
// the container is.

#include <cstddef>
#include <utility>
#include <vector>

namespace minisock::detail {

template <class Map, std::size_t kMax>
class NodePool {
 public:
  NodePool() { spare_.reserve(kMax); }  // recycle() then never allocates

  /// Inserts key → value into `map`, in a kept node when there is one.
  template <class K, class V>
  void insert(Map& map, K&& key, V&& value) {
    if (spare_.empty()) {
      map.emplace(std::forward<K>(key), std::forward<V>(value));
      return;
    }
    typename Map::node_type node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = std::forward<K>(key);
    node.mapped() = std::forward<V>(value);
    map.insert(std::move(node));
  }

  /// Keeps an extracted node (its value reset) unless kMax are kept already.
  void recycle(typename Map::node_type node) noexcept {
    if (node.empty() || spare_.size() >= kMax) return;
    node.mapped() = {};
    spare_.push_back(std::move(node));
  }

 private:
  std::vector<typename Map::node_type> spare_;
};

}  // namespace minisock::detail
