// owt-apiserver: Kubernetes' apiextensions-apiserver (the official k8s.io code
// Debian packages) plus the few endpoints clients need before they talk to a
// custom resource, which the standalone server leaves to kube-aggregator:
//
//   - /apis: the API groups, from the same CRD informer the server uses;
//   - /api and /api/v1: empty (this server has no core API: no Secrets);
//   - /openapi/v2: the generic server's, with the CRDs' schemas (kubectl).
//
// Everything else (CRDs, custom resources, server-side apply, dry run, /version,
// /healthz) is the library's own code. A test server, not a product.
package main

import (
	"encoding/json"
	"net/http"
	"os"
	"sort"

	"github.com/spf13/cobra"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver"
	listers "k8s.io/apiextensions-apiserver/pkg/client/listers/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/cmd/server/options"
	generatedopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/version"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/util/openapi"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/cli"
)

type discovery struct {
	crds listers.CustomResourceDefinitionLister
	next http.Handler
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

func (d *discovery) groups() metav1.APIGroupList {
	ext := metav1.GroupVersionForDiscovery{GroupVersion: "apiextensions.k8s.io/v1", Version: "v1"}
	list := metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups: []metav1.APIGroup{{
			Name: "apiextensions.k8s.io", Versions: []metav1.GroupVersionForDiscovery{ext}, PreferredVersion: ext,
		}},
	}
	if d.crds == nil {
		return list
	}
	crds, err := d.crds.List(labels.Everything())
	if err != nil {
		return list
	}
	versions := map[string]map[string]bool{}
	for _, crd := range crds {
		if !established(crd) {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Served {
				if versions[crd.Spec.Group] == nil {
					versions[crd.Spec.Group] = map[string]bool{}
				}
				versions[crd.Spec.Group][v.Name] = true
			}
		}
	}
	names := make([]string, 0, len(versions))
	for g := range versions {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		vs := make([]string, 0, len(versions[g]))
		for v := range versions[g] {
			vs = append(vs, v)
		}
		// Kubernetes' own order: v2 before v1 before v1beta1 ...; the first is preferred.
		sort.Slice(vs, func(i, j int) bool { return version.CompareKubeAwareVersionStrings(vs[i], vs[j]) > 0 })
		group := metav1.APIGroup{Name: g}
		for _, v := range vs {
			group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
		}
		group.PreferredVersion = group.Versions[0]
		list.Groups = append(list.Groups, group)
	}
	return list
}

func (d *discovery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		switch r.URL.Path {
		case "/api", "/api/":
			writeJSON(w, metav1.APIVersions{
				TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
				Versions: []string{},
				ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
					{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host},
				},
			})
			return
		case "/api/v1", "/api/v1/":
			writeJSON(w, metav1.APIResourceList{
				TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
				GroupVersion: "v1",
				APIResources: []metav1.APIResource{},
			})
			return
		case "/apis", "/apis/":
			writeJSON(w, d.groups())
			return
		}
	}
	d.next.ServeHTTP(w, r)
}

func run(cmd *cobra.Command, o *options.CustomResourceDefinitionsServerOptions) error {
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	config, err := o.Config()
	if err != nil {
		return err
	}
	// OpenAPI v2 as kube-apiserver serves it; the CRD controller adds each schema.
	config.GenericConfig.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(
		openapi.GetOpenAPIDefinitionsWithoutDisabledFeatures(generatedopenapi.GetOpenAPIDefinitions),
		openapinamer.NewDefinitionNamer(apiserver.Scheme, scheme.Scheme))
	config.GenericConfig.OpenAPIConfig.Info.Title = "owt-apiserver"
	config.GenericConfig.OpenAPIConfig.Info.Version = "v2"
	d := &discovery{}
	config.GenericConfig.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		d.next = h
		// Inside the default chain: authentication and authorization still apply.
		return genericapiserver.DefaultBuildHandlerChain(d, c)
	}
	server, err := config.Complete().New(genericapiserver.NewEmptyDelegate())
	if err != nil {
		return err
	}
	d.crds = server.Informers.Apiextensions().V1().CustomResourceDefinitions().Lister()
	return server.GenericAPIServer.PrepareRun().RunWithContext(cmd.Context())
}

func main() {
	ctx := genericapiserver.SetupSignalContext()
	o := options.NewCustomResourceDefinitionsServerOptions(os.Stdout, os.Stderr)
	cmd := &cobra.Command{
		Use: "owt-apiserver",
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return o.ServerRunOptions.ComponentGlobalsRegistry.Set()
		},
		RunE: func(c *cobra.Command, _ []string) error { return run(c, o) },
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	os.Exit(cli.Run(cmd))
}
