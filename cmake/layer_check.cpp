// Empty: the layer check links one layer library alone into a shared object with
// --no-undefined (rootpin_layer_check in CMakeLists.txt).
