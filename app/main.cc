#include "app/app.h"

int main(int argc, char** argv) { return leakwatch::app::Main(argc, argv); }
