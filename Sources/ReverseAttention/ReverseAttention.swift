@_exported import ModelRuntime
@_exported import Tokenization
