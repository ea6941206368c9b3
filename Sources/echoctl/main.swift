import EchoIndex
print(ComputeRuntime.faissVersion, ComputeRuntime.blas.description)
