<?php

namespace Demo;

final class Greeting
{
    public static function for(string $name): string
    {
        return "Hello, {$name}!\n";
    }
}
