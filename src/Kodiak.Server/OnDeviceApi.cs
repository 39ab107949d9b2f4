using System.Text.Json;
using Kodiak.Bundle;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Kodiak.Server;

/// <summary>
/// What the page's "run on this device" needs: <c>GET /api/model/on-device</c> (which ONNX model to fetch and how to
/// prepare an image for it) and <c>GET /api/model/on-device/{sha256}.onnx</c> (the model itself, cacheable for ever
/// since its address names its content). The page runs it with ONNX Runtime Web, so the image never leaves the device.
/// </summary>
internal static class OnDeviceApi
{
    /// <summary>ONNX Runtime Web's files the page loads (vendored into <c>wwwroot/ort/</c> by the build), with its licence.</summary>
    public static readonly string[] RuntimeFiles = ["ort/ort.wasm.bundle.min.mjs", "ort/ort-wasm-simd-threaded.wasm", "ort/LICENSE.txt"];

    public static void MapOnDeviceApi(this IEndpointRouteBuilder app)
    {
        var files = new ModelFile();
        var api = app.MapGroup("/api/model/on-device").WithTags("On device");
        api.MapGet("", (IModelRouter router) => Describe(router.Models[0]))
            .WithName("GetOnDeviceModel")
            .WithSummary("The ONNX model the page runs in the browser (int8 when the bundle has it, else fp32), its SHA-256 and how to prepare images for it.");
        api.MapGet("/{file}", (string file, IModelRouter router) => Download(file, router.Models[0], files))
            .WithName("GetOnDeviceModelFile")
            .WithSummary("The ONNX model named by its SHA-256 (SHA256.onnx), with that SHA-256 as its ETag.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The variant served to the page: <see cref="ModelBundle.Int8Variant"/> when the bundle has it, else fp32.</summary>
    internal static string VariantOf(BundleManifest manifest) =>
        manifest.Variants.ContainsKey(ModelBundle.Int8Variant) ? ModelBundle.Int8Variant : ModelBundle.DefaultVariant;

    static Ok<OnDeviceModel> Describe(ServedModel model)
    {
        var manifest = model.Predictor.Manifest;
        string variant = VariantOf(manifest);
        string sha256 = manifest.Sha256[manifest.Variants[variant]];
        return TypedResults.Ok(new OnDeviceModel(model.Name, model.Version, variant, sha256, $"/api/model/on-device/{sha256}.onnx",
            manifest.Classes, manifest.Input, manifest.ItemTransforms, model.Options.MaxUploadBytes, model.Options.MaxImagePixels));
    }

    static Results<FileContentHttpResult, ProblemHttpResult> Download(string file, ServedModel model, ModelFile files)
    {
        var manifest = model.Predictor.Manifest;
        string variant = VariantOf(manifest);
        string sha256 = manifest.Sha256[manifest.Variants[variant]];
        if (!string.Equals(file, $"{sha256}.onnx", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem($"'{file}' is not the model served now ({sha256}.onnx, its {variant} variant): reload the page to get it.",
                statusCode: StatusCodes.Status404NotFound, title: "Not the served model.");
        // The address names the content, so a browser may keep it for good; the ETag lets it check without downloading.
        return TypedResults.File(files.Read(model.Predictor.Path, variant, sha256), "application/octet-stream",
            entityTag: new EntityTagHeaderValue($"\"{sha256}\""));
    }

    /// <summary>The last model file read, kept so that each page's download does not read and hash the bundle again.</summary>
    sealed class ModelFile
    {
        readonly Lock _gate = new();
        (string Sha256, byte[] Bytes)? _last;

        public byte[] Read(string bundle, string variant, string sha256)
        {
            lock (_gate)
            {
                if (_last is not { } last || last.Sha256 != sha256)
                    _last = last = (sha256, ModelBundle.Open(bundle).ReadOnnxModel(variant));
                return last.Bytes;
            }
        }
    }
}

/// <summary>The answer to <c>GET /api/model/on-device</c>: the model the page runs, and how to prepare an image for it.</summary>
/// <param name="Name">The model's name, as <c>GET /api/model</c> gives it.</param>
/// <param name="Version">The served model's version (of its fp32 model), as in <c>POST /api/predict</c>'s answers.</param>
/// <param name="Variant">The bundle's model variant the page gets: <c>int8</c> when the bundle has it, else <c>fp32</c>.</param>
/// <param name="Sha256">That variant's SHA-256 (hex), also its ETag.</param>
/// <param name="Url">Where to fetch it.</param>
/// <param name="Classes">The classes, in the order of the model's probabilities.</param>
/// <param name="Input">The model's input: size, layout, RGB in [0, 1] (the normalisation by mean and standard deviation is inside the graph).</param>
/// <param name="ItemTransforms">The bundle's validation item transforms, as in its <c>kodiak.json</c>, applied after decoding.</param>
/// <param name="MaxUploadBytes">The server's upload limit, which the page applies to files it runs itself too.</param>
/// <param name="MaxImagePixels">The largest width × height decoded.</param>
internal sealed record OnDeviceModel(string Name, string Version, string Variant, string Sha256, string Url, IReadOnlyList<string> Classes,
    ModelInput Input, IReadOnlyList<JsonElement> ItemTransforms, long MaxUploadBytes, long MaxImagePixels);
