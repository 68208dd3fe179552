#pragma once
// The last remoteInfo/localInfo a socket sent to JavaScript (loop thread only): TCP's never
// change after connecting, UDP's change with the sender; JavaScript is told only of changes.

#include "addon.hpp"

namespace minisock::node {

class InfoCache {
 public:
  /// The pair to send before this message, or nullptr when JavaScript already has it.
  const InfoPair* update(const RemoteInfo& remote, const LocalInfo& local) {
    if (valid_ && remote.port == last_.remote.port && local.port == last_.local.port &&
        remote.address == last_.remote.address && local.address == last_.local.address &&
        remote.family == last_.remote.family && local.family == last_.local.family) {
      return nullptr;
    }
    valid_ = true;
    last_.remote = remote;
    last_.local = local;
    return &last_;
  }

 private:
  bool valid_ = false;
  InfoPair last_;
};

}  // namespace minisock::node
