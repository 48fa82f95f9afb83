#!/bin/sh
echo workload
