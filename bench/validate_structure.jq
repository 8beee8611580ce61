# The structural check of a chat JSONL record that bench/validate times jq on, for
# `jq -n -f bench/validate_structure.jq FILE`: the record is an object, "messages" is an array,
# every message is an object whose role is system, developer, user, assistant, tool or function
# and whose content is a string (or null/absent in an assistant message with tool calls), and at
# least one message is from the assistant. Prints the number of records that pass.
def ok:
  type == "object"
  and (.messages | type == "array")
  and (.messages | all(type == "object"
        and (.role | IN("system", "developer", "user", "assistant", "tool", "function"))
        and ((.content | type == "string")
             or (.content == null and .role == "assistant" and (.tool_calls | type == "array" and length > 0)))))
  and (.messages | any(.role == "assistant"));
reduce (inputs | ok) as $ok (0; if $ok then . + 1 else . end)
