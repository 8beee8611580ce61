// profile: the built-in `openai` profile and [backend.NAME] tables of the loaded tuneprep.toml
// (parsed once, within its bounds, by tuneprep/config_file.hpp).
#include "tuneprep/backend.hpp"
#include "tuneprep/config_file.hpp"

namespace tuneprep::backend {
namespace {

Result<BackendProfile> profile_error(std::string message) {
  ApiError error;
  error.message = std::move(message);
  return Result<BackendProfile>::fail(std::move(error));
}

}  // namespace

Result<BackendProfile> find_profile(std::string_view name, const ConfigFile& config) {
  BackendProfile profile;  // the built-in openai defaults
  profile.name = std::string(name);
  const std::string& source = config.source;
  const toml::table* backends = config.document["backend"].as_table();
  const toml::table* table = backends != nullptr ? backends->get_as<toml::table>(name) : nullptr;
  if (table == nullptr) {
    if (name == "openai") return Result<BackendProfile>::ok(profile);
    std::string known = "openai";
    if (backends != nullptr) {
      for (const auto& [key, value] : *backends) {
        if (key.str() != "openai" && value.is_table()) known += ", " + std::string(key.str());
      }
    }
    return profile_error("unknown backend '" + std::string(name) + "' (known: " + known + "; add a [backend." +
                         std::string(name) + "] table to " + (source.empty() ? "tuneprep.toml" : source) + ")");
  }
  // A profile other than openai starts from the OpenAI conventions but has no default URL: the
  // built-in one would send a provider's key to OpenAI.
  if (name != "openai") profile.base_url.clear();
  const std::string where = source + ": backend." + std::string(name) + ".";
  for (const auto& [key, value] : *table) {
    const std::string_view k = key.str();
    std::string* target = nullptr;
    if (k == "base_url") target = &profile.base_url;
    if (k == "auth_header") target = &profile.auth_header;
    if (k == "auth_scheme") target = &profile.auth_scheme;
    if (k == "path_prefix") target = &profile.path_prefix;
    if (k == "api_key_env") target = &profile.api_key_env;
    if (k == "organization") target = &profile.organization;
    if (k == "project") target = &profile.project;
    if (target != nullptr) {
      const auto text = value.value<std::string>();
      if (!text) return profile_error(where + std::string(k) + " must be a string");
      *target = *text;
    } else if (k == "models") {
      const toml::array* models = value.as_array();
      if (models == nullptr) return profile_error(where + "models must be an array of strings");
      for (const toml::node& item : *models) {
        const auto model = item.value<std::string>();
        if (!model) return profile_error(where + "models must be an array of strings");
        profile.models.push_back(*model);
      }
    } else {
      return profile_error(where + std::string(k) + " is not a known key (valid: base_url, auth_header, auth_scheme, "
                                                     "path_prefix, api_key_env, organization, project, models)");
    }
  }
  if (!profile.path_prefix.empty() && profile.path_prefix.front() != '/') profile.path_prefix = "/" + profile.path_prefix;
  while (!profile.path_prefix.empty() && profile.path_prefix.back() == '/') profile.path_prefix.pop_back();
  if (profile.auth_header.empty()) return profile_error(where + "auth_header must not be empty");
  return Result<BackendProfile>::ok(profile);
}

}  // namespace tuneprep::backend
