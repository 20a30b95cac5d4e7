module TopModule (
  input        clk,
  input        reset,
  input  [3:0] div,
  output       tick
);
  reg [3:0] count;
  assign tick = count >= div;
  always @(posedge clk) begin
    if (reset)     count <= 4'd0;
    else if (tick) count <= 4'd0;
    else           count <= count + 4'd1;
  end
endmodule
