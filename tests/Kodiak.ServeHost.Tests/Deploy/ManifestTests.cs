using k8s;
using k8s.Models;
using Kodiak.Server;

namespace Kodiak.ServeHost.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/ read with the Kubernetes client's strict YAML loader, which knows the API's kinds and field names
/// and throws on a field it does not know (a typo Kubernetes would drop or refuse).
/// </summary>
public sealed class ManifestTests
{
    static string Manifest(string name) => Path.Combine(Repository.Root(), "deploy", "kubernetes", name);

    static List<object> Load(string yaml) => KubernetesYaml.LoadAllFromString(yaml, strict: true);

    [Fact]
    public void The_manifests_are_valid_Kubernetes_objects_of_the_kinds_the_deployment_needs()
    {
        var objects = Load(File.ReadAllText(Manifest("kodiak.yaml")));
        var secret = Assert.IsType<V1Secret>(Assert.Single(Load(File.ReadAllText(Manifest("secret.example.yaml")))));

        Assert.Equal([typeof(V1Deployment), typeof(V1Service), typeof(V2HorizontalPodAutoscaler), typeof(V1PersistentVolumeClaim)],
            objects.Select(o => o.GetType()));
        var deployment = (V1Deployment)objects[0];
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.NotNull(container.Resources.Limits["memory"]);
        Assert.NotNull(container.Lifecycle.PreStop);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        // Both settings come from the Secret, by the keys the example Secret has.
        Assert.Equal(["Log", "AdminToken"], container.Env.Select(e => e.Name));
        Assert.All(container.Env, e => Assert.Contains(e.ValueFrom.SecretKeyRef.Key, secret.StringData.Keys));
        var models = Assert.Single(container.VolumeMounts, m => m.Name == "models");
        Assert.Equal(("/models", true), (models.MountPath, models.ReadOnlyProperty));
        Assert.Contains("/models/model.kodiak", container.Args);
        // The Service and the autoscaler reach the Deployment's pods.
        var service = (V1Service)objects[1];
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.Equal(deployment.Spec.Template.Metadata.Labels, service.Spec.Selector);
        var autoscaler = (V2HorizontalPodAutoscaler)objects[2];
        Assert.Equal(("Deployment", deployment.Metadata.Name), (autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name));
        Assert.Equal("cpu", Assert.Single(autoscaler.Spec.Metrics).Resource.Name);
        Assert.Equal("kodiak-models", Assert.Single(pod.Volumes, v => v.Name == "models").PersistentVolumeClaim.ClaimName);
    }

    [Fact]
    public void The_grace_period_outlasts_the_preStop_pause_and_the_servers_own_shutdown_bound()
    {
        var deployment = Load(File.ReadAllText(Manifest("kodiak.yaml"))).OfType<V1Deployment>().Single();
        var pod = deployment.Spec.Template.Spec;

        long preStop = pod.Containers[0].Lifecycle.PreStop.Sleep.Seconds;

        Assert.True(pod.TerminationGracePeriodSeconds > preStop + new ServeOptions().ShutdownTimeout.TotalSeconds,
            $"terminationGracePeriodSeconds {pod.TerminationGracePeriodSeconds} must exceed preStop {preStop} s + kodiak-serve's shutdown bound");
    }

    [Fact]
    public void A_misspelt_field_is_refused_so_the_check_can_fail()
    {
        string yaml = File.ReadAllText(Manifest("kodiak.yaml")).Replace("readinessProbe:", "readynessProbe:", StringComparison.Ordinal);

        Assert.ThrowsAny<Exception>(() => Load(yaml));
    }
}
