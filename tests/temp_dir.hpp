// TempDir: a fresh directory under the system temp dir for one test, removed at its end, with
// helpers to write and read the files in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tuneprep-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);  // unique per call, whatever the process
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made it unreadable (open errors): restore access so it can be removed.
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to `name` (directories created) and returns the file's path.
  std::string write(const std::string& name, std::string_view content) const {
    const std::filesystem::path file = path / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    return file.string();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path / name, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  std::vector<std::string> lines(const std::string& name) const {
    std::vector<std::string> out;
    std::istringstream in(read(name));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  std::filesystem::path path;
};
