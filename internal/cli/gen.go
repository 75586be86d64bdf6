package cli

// Helpers for packaging: the whole command tree, for man pages
// (packaging/gendocs, with cobra/doc), and the shell completions.

import (
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Tree is the command tree Run runs, extra commands (the agent's)
// included, with cobra's help and completion commands as Run would add
// them. Its commands only describe themselves: run, they write nowhere.
func Tree(extra ...*cobra.Command) *cobra.Command {
	a := &app{stdout: io.Discard, stderr: io.Discard}
	root := a.tree(extra)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// tree is the root command with every noun and the extra commands.
func (a *app) tree(extra []*cobra.Command) *cobra.Command {
	root := a.rootCommand()
	for _, c := range extra {
		if c != nil {
			root.AddCommand(c)
		}
	}
	classifyTree(root)
	return root
}

// Completion files, by shell: where Debian's bash-completion, zsh and
// fish look for a command's completions, relative to /usr/share.
var Completions = []struct {
	Shell, Path string
	gen         func(root *cobra.Command, w io.Writer) error
}{
	{"bash", "bash-completion/completions/baton", func(r *cobra.Command, w io.Writer) error { return r.GenBashCompletionV2(w, true) }},
	{"zsh", "zsh/vendor-completions/_baton", (*cobra.Command).GenZshCompletion},
	{"fish", "fish/vendor_completions.d/baton.fish", func(r *cobra.Command, w io.Writer) error { return r.GenFishCompletion(w, true) }},
}

// WriteCompletions writes root's completion script for every shell of
// Completions under dir (the package's usr/share).
func WriteCompletions(root *cobra.Command, dir string) error {
	for _, c := range Completions {
		p := filepath.Join(dir, c.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := c.gen(root, f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
