// Command otelcol-promptscope is a slim OpenTelemetry Collector distribution that contains exactly the
// components the configs in ../ use (see components.go). Every collector module is pinned to one release:
// core v0.161.0 / v1.67.0 and contrib v0.161.0 (go.mod). Build it with `node collector-config/build.mjs`.
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

func main() {
	info := component.BuildInfo{
		Command:     "otelcol-promptscope",
		Description: "promptscope slim OpenTelemetry Collector (core v0.161.0, contrib v0.161.0)",
		Version:     "0.161.0-promptscope",
	}

	settings := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	}

	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatal(err)
	}
}
