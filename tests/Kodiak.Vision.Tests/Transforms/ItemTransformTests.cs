using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Processing;
using Kodiak.Vision.Transforms;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests.Transforms;

public sealed class ItemTransformTests : IDisposable
{
    private static readonly ItemContext Valid = new(isTraining: false, new SeededRandom(0));

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ItemContext Train(int seed) => new(isTraining: true, new SeededRandom(seed));

    /// <summary>Each pixel holds its own column in red and row in green, so an output pixel says where it came from.</summary>
    private static RgbImage Coordinates(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.Pixels[(y * width + x) * 3] = (byte)x;
                image.Pixels[(y * width + x) * 3 + 1] = (byte)y;
            }
        }

        return image;
    }

    /// <summary>200×100 with a different colour on every row (a smooth vertical gradient, never black).</summary>
    private static RgbImage Rows()
    {
        var image = new RgbImage(200, 100);
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            int y = i / 3 / 200;
            image.Pixels[i] = (byte)(40 + 2 * y);
            image.Pixels[i + 1] = 100;
            image.Pixels[i + 2] = (byte)(240 - 2 * y);
        }

        return image;
    }

    private static byte[] Row(RgbImage image, int y) => image.Pixels.AsSpan(y * image.Width * 3, image.Width * 3).ToArray();

    [Fact]
    public void Squish_KeepsLeftAndRightHalvesInPlace()
    {
        RgbImage image = Solid(200, 100, 255, 0, 0);
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            if (i / 3 % 200 >= 100)
            {
                (image.Pixels[i], image.Pixels[i + 2]) = (0, 255);
            }
        }

        RgbImage result = new Resize(64, ResizeMethod.Squish).Apply(image, Valid);

        Assert.Equal((64, 64), (result.Width, result.Height));
        foreach (int y in new[] { 0, 31, 63 })
        {
            for (int x = 0; x < 30; x++)
            {
                AssertColor(result, x, y, (255, 0, 0), tolerance: 4);
                AssertColor(result, 63 - x, y, (0, 0, 255), tolerance: 4);
            }
        }
    }

    [Fact]
    public void Crop_OnValidation_KeepsTheCentre()
    {
        // Grey 300×100 with a red stripe over the middle third: the centred square is exactly the stripe.
        RgbImage image = Solid(300, 100, 128, 128, 128);
        for (int y = 0; y < 100; y++)
        {
            for (int x = 100; x < 200; x++)
            {
                (image.Pixels[(y * 300 + x) * 3], image.Pixels[(y * 300 + x) * 3 + 1], image.Pixels[(y * 300 + x) * 3 + 2]) = (255, 0, 0);
            }
        }

        RgbImage result = new Resize(64).Apply(image, Valid);

        Assert.Equal((64, 64), (result.Width, result.Height));
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                AssertColor(result, x, y, (255, 0, 0), tolerance: 2);
            }
        }
    }

    [Fact]
    public void Crop_OnTraining_MovesWithinBoundsAndRepeatsPerSeed()
    {
        // 250×50 to 50×50: the box is the full height, so the crop is a plain copy and red reads off its left edge.
        RgbImage image = Coordinates(250, 50);
        var resize = new Resize(50);
        var lefts = new HashSet<int>();
        for (int seed = 0; seed < 20; seed++)
        {
            RgbImage result = resize.Apply(image, Train(seed));
            int left = Pixel(result, 0, 0).R;
            Assert.Equal(left + 49, Pixel(result, 49, 49).R);
            Assert.Equal((0, 49), (Pixel(result, 0, 0).G, Pixel(result, 0, 49).G));
            Assert.Equal(result.Pixels, resize.Apply(image, Train(seed)).Pixels);
            lefts.Add(left);
        }

        Assert.True(lefts.Count >= 10, $"only {lefts.Count} distinct positions in 20 seeds");
        Assert.Equal(100, Pixel(resize.Apply(image, Valid), 0, 0).R);
    }

    [Fact]
    public void Crop_OnTraining_MovesVerticallyOnTallImages()
    {
        RgbImage image = Coordinates(40, 200);
        var resize = new Resize(40);

        int[] tops = [.. Enumerable.Range(0, 20).Select(seed => (int)Pixel(resize.Apply(image, Train(seed)), 0, 0).G)];

        Assert.All(tops, top => Assert.InRange(top, 0, 160));
        Assert.True(tops.Distinct().Count() >= 10);
    }

    [Fact]
    public void Pad_Zeros_CentresContentBetweenBlackBars()
    {
        RgbImage result = new Resize(64, ResizeMethod.Pad, PadMode.Zeros).Apply(Rows(), Valid);

        Assert.Equal((64, 64), (result.Width, result.Height));
        for (int y = 0; y < 64; y++)
        {
            bool content = y is >= 16 and < 48;
            Assert.True(Row(result, y).All(b => b == 0) != content, $"row {y} should be {(content ? "content" : "black")}");
        }

        AssertColor(result, 32, 32, (140, 100, 140), tolerance: 6);
    }

    [Fact]
    public void Pad_Border_RepeatsTheEdgeRows()
    {
        RgbImage result = new Resize(64, ResizeMethod.Pad, PadMode.Border).Apply(Rows(), Valid);

        for (int y = 0; y < 16; y++)
        {
            Assert.Equal(Row(result, 16), Row(result, y));
            Assert.Equal(Row(result, 47), Row(result, 63 - y));
        }

        Assert.NotEqual(Row(result, 16), Row(result, 47));
    }

    [Fact]
    public void Pad_Reflection_MirrorsAboutTheEdgeRows()
    {
        RgbImage result = new Resize(64, ResizeMethod.Pad).Apply(Rows(), Valid);

        for (int k = 1; k <= 15; k++)
        {
            Assert.Equal(Row(result, 16 + k), Row(result, 16 - k));
            Assert.Equal(Row(result, 47 - k), Row(result, 47 + k));
        }

        // The content is a gradient, so a mirror (not a repeat) makes rows near the top differ from the edge row.
        Assert.NotEqual(Row(result, 16), Row(result, 10));
    }

    [Fact]
    public void Pad_FoldsAgainWhenPaddingIsWiderThanTheImage()
    {
        var image = new RgbImage(3, 1, [0, 0, 0, 1, 1, 1, 2, 2, 2]);

        RgbImage padded = ImageOps.Pad(image, 11, 1, 4, 0, PadMode.Reflection);

        Assert.Equal(new byte[] { 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2 }, padded.Pixels.Where((_, i) => i % 3 == 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Pad(image, 3, 1, 1, 0, PadMode.Zeros));
    }

    [Fact]
    public void Resize_NonSquare_GivesTheRequestedShape()
    {
        RgbImage image = Photo(300, 200);

        Assert.All(
            new[] { ResizeMethod.Crop, ResizeMethod.Pad, ResizeMethod.Squish },
            method =>
            {
                RgbImage result = new Resize(80, 40, method).Apply(image, Train(1));
                Assert.Equal((80, 40), (result.Width, result.Height));
            });
    }

    [Theory]
    [InlineData(ResizeMethod.Crop, 171, 128)]
    [InlineData(ResizeMethod.Pad, 128, 96)]
    [InlineData(ResizeMethod.Squish, 128, 128)]
    public void Resize_DecodeSize_IsWhereTheFinalResampleStopsEnlarging(ResizeMethod method, int width, int height)
    {
        Assert.Equal((width, height), new Resize(128, method).DecodeSize(2000, 1500));
    }

    [Fact]
    public void RandomResizedCrop_OnValidation_CentreCropsTheSquishedImage()
    {
        RgbImage image = Photo(300, 200);
        var transform = new RandomResizedCrop(128);

        RgbImage result = transform.Apply(image, Valid);

        // 128 + ceil(128·0.14/8)·8 = 152, so 12 pixels go from every side.
        Assert.Equal(152, transform.ValidationSize);
        Assert.Equal(256, new RandomResizedCrop(224).ValidationSize);
        Assert.Equal(ImageOps.Crop(ImageOps.Resize(image, 152, 152), 12, 12, 128, 128).Pixels, result.Pixels);
    }

    [Fact]
    public void RandomResizedCrop_OnTraining_IsDeterministicPerSeedAndVaries()
    {
        RgbImage image = Photo(300, 200);
        var transform = new RandomResizedCrop(64);

        RgbImage[] results = [.. Enumerable.Range(0, 8).Select(seed => transform.Apply(image, Train(seed)))];

        Assert.All(results, r => Assert.Equal((64, 64), (r.Width, r.Height)));
        Assert.Equal(results[3].Pixels, transform.Apply(image, Train(3)).Pixels);
        Assert.Equal(8, results.Select(r => Convert.ToHexString(r.Pixels)).Distinct().Count());
    }

    [Fact]
    public void RandomResizedCrop_OnTraining_CropsStayInsideTheImageWithRatioInRange()
    {
        // With the scale fixed at 1/4 and 1:1 ratio, every crop is 100×100 of a 200×200 coordinate image.
        RgbImage image = Coordinates(200, 200);
        var transform = new RandomResizedCrop(100, 0.25, 0.25, (1, 1));

        for (int seed = 0; seed < 20; seed++)
        {
            RgbImage result = transform.Apply(image, Train(seed));
            var (left, top, _) = Pixel(result, 0, 0);
            Assert.Equal((left + 99, top + 99), ((int)Pixel(result, 99, 99).R, (int)Pixel(result, 99, 99).G));
        }
    }

    [Fact]
    public void RandomResizedCrop_WhenNoAttemptFits_FallsBackToACentredClampedBox()
    {
        // Full area at ratio 2 needs a 141×71 box in a 100×100 image, which never fits: centre 100×50 instead.
        RgbImage image = Photo(100, 100);

        RgbImage result = new RandomResizedCrop(32, 1, 1, (2, 2)).Apply(image, Train(0));

        Assert.Equal(ImageOps.Resize(ImageOps.Crop(image, 0, 25, 100, 50), 32, 32).Pixels, result.Pixels);
    }

    [Theory]
    [InlineData(0.08)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void RandomResizedCrop_DecodeSize_NeverMakesAValidationImageOrTheSmallestTrainingCropEnlarge(double minScale)
    {
        var crop = new RandomResizedCrop(128, minScale);

        var (width, height) = crop.DecodeSize(4000, 3000);

        Assert.True(Math.Min(width, height) >= crop.ValidationSize, $"{width}×{height}");
        // The smallest, most elongated crop: area minScale·w·h at ratio 3/4 (or 4/3); its short side.
        double shortSide = Math.Sqrt(minScale * width * height * 3 / 4);
        Assert.True(shortSide >= 128 - 0.5, $"{width}×{height} gives a {shortSide:0.0}-pixel crop");
        Assert.True(width < 4000, "a reduced decode was still possible");
    }

    [Fact]
    public void ToString_DescribesEachTransform()
    {
        Assert.Equal("Resize(128, Crop)", new Resize(128).ToString());
        Assert.Equal("Resize(160×128, Pad, Zeros)", new Resize(160, 128, ResizeMethod.Pad, PadMode.Zeros).ToString());
        Assert.Equal("Resize(64, Squish)", new Resize(64, ResizeMethod.Squish).ToString());
        Assert.Equal("RandomResizedCrop(224, scale 0.08–1, ratio 0.75–1.33)", new RandomResizedCrop(224).ToString());
    }

    [Fact]
    public void Constructors_RejectBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resize(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resize(8, (ResizeMethod)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(8, 0.5, 0.4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(8, ratio: (2, 1)));
    }

    [Fact]
    public void Load_DecodesAtAReducedScaleAndMatchesTheFullPath()
    {
        string path = _temp.Write("big.jpg", ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90));
        var resize = new Resize(128);

        RgbImage intermediate = ImageDecoder.DecodeAtLeast(path, resize.DecodeSize);
        RgbImage loaded = ItemPipeline.Load(path, [resize], Valid);
        RgbImage reference = resize.Apply(ImageDecoder.Decode(path), Valid);

        // Crop needs 171×128; 1/8 scale (250×188) covers it.
        Assert.Equal((250, 188), (intermediate.Width, intermediate.Height));
        Assert.Equal((128, 128), (loaded.Width, loaded.Height));
        Assert.Equal(resize.Apply(intermediate, Valid).Pixels, loaded.Pixels);
        double difference = MeanAbsoluteDifference(loaded, reference);
        Assert.True(difference < 6, $"mean absolute difference {difference:F2}/255");
    }

    [Fact]
    public void Load_AppliesTransformsInOrder_AndEmptyListIsAPlainDecode()
    {
        byte[] png = ImageEncoder.Encode(Photo(120, 90), ImageFormat.Png);

        Assert.Equal(ImageDecoder.Decode(png).Pixels, ItemPipeline.Load(png, [], Valid).Pixels);

        RgbImage chained = ItemPipeline.Load(png, [new Resize(60, ResizeMethod.Squish), new Resize(30, 20, ResizeMethod.Squish)], Valid);
        Assert.Equal((30, 20), (chained.Width, chained.Height));
        Assert.Equal(
            ItemPipeline.Load(png, [new RandomResizedCrop(32)], Train(4)).Pixels,
            ItemPipeline.Load(png, [new RandomResizedCrop(32)], Train(4)).Pixels);
    }
}
