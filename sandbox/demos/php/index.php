<?php

require __DIR__ . '/vendor/autoload.php';

if (parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) === '/healthz') {
    header('Content-Type: application/json');
    echo json_encode(['status' => 'ok']), "\n";
    return;
}
echo \Demo\Greeting::for(getenv('NAME') ?: 'World');
