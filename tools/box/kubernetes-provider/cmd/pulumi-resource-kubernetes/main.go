// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider of
// github.com/pulumi/pulumi-kubernetes/provider/v4. The schema and the Terraform mapping are the module's own
// cmd/pulumi-resource-kubernetes/{schema,terraform-mapping}.json, copied here by scripts/box-tools.sh at build time
// (schema version set to the release) and embedded; they are generated files and never committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() { provider.Serve("kubernetes", version.Version, schema, terraformMapping) }
