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
    auto events = backend.list_events(job_id, options.event_page);
    if (!events) return Result<Job>::fail(*events.error);
    // The API lists newest first: report the unseen ones oldest first, then the status they led to.
    for (auto it = events.value->rbegin(); it != events.value->rend(); ++it) {
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
