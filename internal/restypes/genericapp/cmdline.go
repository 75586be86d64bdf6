package genericapp

import (
	"errors"
	"fmt"
	"strings"
)

// ErrShellSyntax is returned by SplitCommandLine for an unquoted shell
// operator: the command line is not run by a shell, so a pipe, a
// redirection, a variable or a command list would silently become an
// argument.
var ErrShellSyntax = errors.New("genericapp: shell syntax in command line")

// shellOperators are the characters SplitCommandLine refuses outside quotes.
const shellOperators = "|&;<>()$`"

// SplitCommandLine splits a command line into words with the quoting rules
// of the POSIX shell, without running one:
//
//   - words are separated by unquoted spaces, tabs and newlines;
//   - '…' keeps everything inside literally;
//   - "…" keeps everything inside literally, except that a backslash
//     before " \ $ or ` stands for that character;
//   - outside quotes a backslash keeps the next character literally
//     (backslash-newline is removed);
//   - quoted and unquoted parts next to each other form one word, and ”
//     or "" alone is an empty word.
//
// Nothing is expanded: no variables, globs or ~. The shell operators
// | & ; < > ( ) $ and ` are refused outside quotes (ErrShellSyntax); quote
// them to pass them literally, or run a shell explicitly:
// /bin/sh -c 'exec server >>log 2>&1'.
func SplitCommandLine(s string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool // cur holds a word, possibly empty ('')
	)
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			end()
		case c == '\\':
			if i+1 == len(s) {
				return nil, errors.New("genericapp: command line ends with a backslash")
			}
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("genericapp: unterminated ' at offset %d in command line", i)
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			start := i
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf("genericapp: unterminated \" at offset %d in command line", start)
			}
			inWord = true
		case strings.IndexByte(shellOperators, c) >= 0:
			return nil, fmt.Errorf("%w: unquoted %q at offset %d (quote it, or run /bin/sh -c '…')", ErrShellSyntax, c, i)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	end()
	return words, nil
}
