/// A channels-last feature map: `height × width` positions of `channels` floats.
struct FeatureMap: Sendable {
    var height: Int
    var width: Int
    var channels: Int
    var values: [Float]

    static let empty = FeatureMap(height: 0, width: 0, channels: 0, values: [])

    init(height: Int, width: Int, channels: Int, values: [Float]) {
        self.height = height
        self.width = width
        self.channels = channels
        self.values = values
    }

    init(copying pointer: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels,
                  values: Array(UnsafeBufferPointer(start: pointer, count: height * width * channels)))
    }
}
