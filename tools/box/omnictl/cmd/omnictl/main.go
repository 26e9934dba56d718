// Command omnictl is Sidero Omni's CLI as published in github.com/siderolabs/omni/client (pkg/omnictl.RootCmd).
// The box uses it offline only: `omnictl cluster template validate -f <file>`.
package main

import (
	"os"

	"github.com/siderolabs/omni/client/pkg/omnictl"
)

func main() {
	if err := omnictl.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
