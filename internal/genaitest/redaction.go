package genaitest

import "go.opentelemetry.io/collector/pdata/ptrace"

// RedactionValues are the personal data and secrets of RedactionTurn.
var RedactionValues = []string{
	"jane.doe@example.com", "ops@example.org", "+44 20 7946 0958", "(415) 555-2671", "4111 1111 1111 1111", "5555555555554444",
	"AKIAIOSFODNN7EXAMPLE", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w", "203.0.113.7", "2001:db8::42", "198.51.100.23", "EMP-123456",
	"abc.DEF-123", "user-42", "sess-7", "conv-9", "nested@example.net", "deep@example.io",
}

// RedactionAttributes are the custom metadata attributes of RedactionTurn
// (mapping.metadata_attributes).
var RedactionAttributes = []string{"app.note", "app.plain"}

// RedactionTurn is an agent turn with personal data and secrets in every
// field redaction covers, and decoys beside them; EMP-123456 is an employee
// number, for a user pattern.
func RedactionTurn() ptrace.Traces {
	in := `[{"role":"user","parts":[{"type":"text","content":"I am jane.doe@example.com, call +44 20 7946 0958 or (415) 555-2671. ` +
		`Card 4111 1111 1111 1111. Order 4155552671 at 10:30:00 on 2024-01-15, v1.2.3, $1,299.99, EMP-123456."}]}]`
	out := `[{"role":"assistant","parts":[{"type":"text","content":"Done; key AKIAIOSFODNN7EXAMPLE revoked, mail sent to ops@example.org from 203.0.113.7."}]}]`
	agent := Span{ID: "agent", Name: "invoke_agent", End: 100, Attrs: map[string]any{
		"gen_ai.operation.name": "invoke_agent", "user.id": "user-42", "session.id": "sess-7", "gen_ai.conversation.id": "conv-9",
		"user_agent.original": "support-bot/2.1 (+mailto:ops@example.org) Chrome/120.0.0.0", "client.address": "198.51.100.23",
		"app.note":  map[string]any{"who": "nested@example.net", "list": []any{"x", map[string]any{"deep": "deep@example.io"}}, "n": 7},
		"app.plain": "token Bearer abc.DEF-123 from 2001:db8::42",
	}}
	tool := Span{ID: "tool", Parent: "agent", Name: "execute_tool", Start: 20, End: 30, Attrs: map[string]any{
		"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "refund", "gen_ai.tool.call.id": "c1",
		"gen_ai.tool.call.arguments": `{"contact@corp.test":"key stays","card":"5555555555554444","amount":129999,` +
			`"meta":{"ip":"2001:db8::42","emails":["a\u0040b.io","ok"],"secret":"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"}}`,
		"gen_ai.tool.call.result": "refunded to card 4111-1111-1111-1111",
	}}
	return Traces(map[string]any{"service.name": "support"}, agent, Chat("llm", "agent", 1, 10, in, out), tool)
}
