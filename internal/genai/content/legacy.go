package content // import "github.com/precogx/precogxexporter/internal/genai/content"

import "strings"

// legacyRoles are the roles recognised in "role: text" transcripts.
var legacyRoles = map[string]bool{"system": true, "user": true, "assistant": true, "tool": true, "developer": true, "human": true, "ai": true, "function": true}

// ParseLegacy reads semconv 1.26 gen_ai.prompt / gen_ai.completion values:
// JSON messages, "role: text" lines, or plain text of defaultRole.
// jsonFailed reports text that looked like JSON but did not decode.
func ParseLegacy(s, defaultRole string) (msgs []Message, jsonFailed bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, false
	}
	if t[0] == '[' || t[0] == '{' {
		if msgs, ok := ParseMessages([]byte(t)); ok {
			return WithDefaultRole(msgs, defaultRole), false
		}
		jsonFailed = true
	}
	if !jsonFailed {
		if role, _, ok := cutRole(t); ok && legacyRoles[role] {
			for _, line := range strings.Split(t, "\n") {
				if r, text, ok := cutRole(line); ok && legacyRoles[r] {
					msgs = append(msgs, Message{Role: r, Parts: []Part{{Kind: Text, Text: text}}})
				} else if len(msgs) > 0 {
					p := &msgs[len(msgs)-1].Parts[0]
					p.Text += "\n" + line
				}
			}
			return msgs, false
		}
	}
	return []Message{{Role: defaultRole, Parts: []Part{{Kind: Text, Text: s}}}}, jsonFailed
}

func cutRole(line string) (role, text string, ok bool) {
	role, text, ok = strings.Cut(line, ": ")
	if !ok || strings.ContainsAny(role, " \t") {
		return "", "", false
	}
	return strings.ToLower(role), text, true
}
