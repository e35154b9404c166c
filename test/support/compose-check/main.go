// compose-check loads Compose files with compose-go, the loader `docker compose` itself uses:
// interpolation, merging of several files, schema validation and normalisation, exactly as
// `docker compose config` does. It prints the resulting project as JSON, or the loader's error
// on stderr with exit status 1. The drillctl tests run it on docker-compose.yml (no Docker engine
// needed).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE [FILE...]")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions(os.Args[1:],
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithName("drillctl"),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
