// watch: follows a job to its end: polls status and events with backoff, each event once.
#include <chrono>
#include <set>
#include <thread>

#include "tuneprep/backend.hpp"

namespace tuneprep::backend {

Result<Job> watch_job(Backend& backend, std::string_view job_id, const WatchOptions& options,
                      const std::function<void(const JobEvent&)>& on_event,
                      const std::function<void(const Job&)>& on_status) {
  std::set<std::string> seen;  // event ids already reported
  std::string last_status;
  double poll = options.initial_poll;
  while (true) {
    auto job = backend.get_job(job_id);
    if (!job) return job;
    bool changed = false;
    // The API lists newest first, a page at a time: page back (the `after` cursor) until an event
    // already seen, so a burst of more than a page between two polls loses nothing; then report the
    // unseen ones oldest first, and the status they led to. The first poll of a long job's history
    // stops after kMaxPages pages.
    constexpr int kMaxPages = 50;
    std::vector<JobEvent> fresh;
    std::string after;
    for (int page = 0; page < kMaxPages; ++page) {
      auto events = backend.list_events(job_id, options.event_page, after);
      if (!events) return Result<Job>::fail(*events.error);
      bool reached_seen = false;
      for (JobEvent& event : events.value->events) {
        if (!event.id.empty() && seen.count(event.id) > 0) {
          reached_seen = true;
          break;
        }
        fresh.push_back(std::move(event));
      }
      if (reached_seen || !events.value->has_more || events.value->events.empty() || fresh.back().id.empty()) break;
      after = fresh.back().id;
    }
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
      if (it->id.empty() || !seen.insert(it->id).second) continue;
      changed = true;
      if (on_event) on_event(*it);
    }
    if (job.value->status != last_status) {
      last_status = job.value->status;
      changed = true;
      if (on_status) on_status(*job.value);
    }
    if (job.value->finished()) return job;
    // Something new: look again soon; nothing: back off, as a long queue wait needs no tight loop.
    poll = changed ? options.initial_poll : std::min(options.max_poll, poll * 2);
    if (options.sleep) {
      options.sleep(poll);
    } else {
      std::this_thread::sleep_for(std::chrono::duration<double>(poll));
    }
  }
}

}  // namespace tuneprep::backend
