// Builders of small Examples for the unit tests: a message of a role, and a chat of turns.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "tuneprep/conversation.hpp"

namespace tuneprep::test {

inline Message message(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

inline Example chat(std::initializer_list<std::pair<Role, std::string>> turns) {
  Example example;
  for (const auto& [role, text] : turns) example.messages.push_back(message(role, text));
  return example;
}

}  // namespace tuneprep::test
